// jest globalSetup: the run's own temporary folder (./tmpdir.js).
module.exports = async () => {
  require("./tmpdir").scopeTmpdir(process.env);
};
