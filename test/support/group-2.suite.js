// One group of `npm test`'s test files, as one jest test file: test/support/test-groups.js says why, and which files.
require("./test-groups").requireGroup(__filename);
