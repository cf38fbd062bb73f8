import { Construct } from "constructs";
import { Policy } from "@cdktf/provider-vault/lib/policy";
import { renderReadPolicy } from "../lib/model/policy";
import { terraformId } from "../lib/model/naming";

export interface ReadPolicyProps {
  /** Policy name, derived from the path (`kv-read.secret.nexus.svc-executor`). */
  readonly name: string;
  /** The exact KV v2 API path it grants `read` on (`secret/data/nexus/svc-executor`). */
  readonly dataPath: string;
}

/** A Vault policy granting `read` on one KV v2 secret and nothing else. */
export class ReadPolicy extends Construct {
  readonly resource: Policy;
  constructor(scope: Construct, id: string, props: ReadPolicyProps) {
    super(scope, id);
    this.resource = new Policy(this, "policy", { name: props.name, policy: renderReadPolicy(props.dataPath) });
    this.resource.overrideLogicalId(terraformId(props.name));
  }
}
