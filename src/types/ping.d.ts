// The one internal of the `ping` package (0.4.x) that probe.ts uses, its output parser. The package
// ships no types; these describe only what we call, and results are typed `unknown` where the
// package mixes numbers with the string 'unknown'.
declare module 'ping/lib/parser/factory.js' {
  interface Parser {
    eat(line: string): Parser;
    getResult(): { times?: unknown; packetLoss?: unknown; alive?: unknown; output?: unknown };
  }
  const factory: { createParser(addr: string, platform: string, config: object): Parser };
  export default factory;
}
