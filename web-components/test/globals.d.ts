// The test runner provides Mocha's BDD globals; @types/mocha is not installed, so declare the two used.
declare function describe(title: string, fn: () => void): void;
declare function it(title: string, fn: () => void | Promise<void>): void;
