// The test runner provides Mocha's BDD globals; @types/mocha is not installed, so declare the ones used.
interface MochaContext { timeout(ms: number): void }
declare function describe(title: string, fn: () => void): void;
declare function it(title: string, fn: (this: MochaContext) => void | Promise<void>): void;
declare function before(fn: (this: MochaContext) => void | Promise<void>): void;
