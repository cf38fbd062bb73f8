// Adds toHaveResource, toHaveResourceWithProperties, ... to expect(), with their types. Imported by the test files that
// use them (not a jest setup file: every other test file would pay for loading cdktf's testing module).
import { setupJest } from "cdktf/lib/testing/adapters/jest";

setupJest();
