// jest globalTeardown: removes the run's own temporary folder (./tmpdir.js).
module.exports = async () => {
  require("./tmpdir").removeScopedTmpdir(process.env);
};
