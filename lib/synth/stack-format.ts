/** One format per stack folder: what `npm run synth` (cdk.tf.json) and `cdktf synth --hcl` (cdk.tf) each replace. */
import { basename, dirname, join } from "node:path";

/**
 * The files of the stack's other format beside `stackFile`: Terraform reads every *.tf and *.tf.json of the folder,
 * so cdk.tf beside cdk.tf.json declares everything twice (`terraform init`: some 27 "Duplicate ..." errors). For
 * cdk.tf.json: cdk.tf and the metadata.json that cdktf writes only with it (cdktf Manifest.stackMetadataPath); for
 * cdk.tf: cdk.tf.json.
 */
export function otherFormatFiles(stackFile: string): string[] {
  const dir = dirname(stackFile);
  return basename(stackFile) === "cdk.tf" ? [join(dir, "cdk.tf.json")] : [join(dir, "cdk.tf"), join(dir, "metadata.json")];
}
