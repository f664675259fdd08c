// Coverage counts the project's own contracts; test doubles are not measured.
module.exports = {
  skipFiles: ["mocks/"],
  istanbulReporter: ["text-summary", "json-summary", "lcov"],
  mocha: { timeout: 300000 },
};
