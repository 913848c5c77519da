// The two internals of the `ping` package (0.4.x) that probe.ts uses. The package ships no
// types; these describe only what we call, and results are typed `unknown` where the package
// mixes numbers with the string 'unknown'.
declare module 'ping/lib/builder/linux.js' {
  interface PingConfig {
    numeric?: boolean;
    timeout?: number | false;
    deadline?: number | false;
    min_reply?: number;
    v6?: boolean;
    sourceAddr?: string;
    packetSize?: number;
    extra?: string[];
  }
  const builder: { getCommandArguments(target: string, config: PingConfig): string[] };
  export default builder;
}

declare module 'ping/lib/parser/factory.js' {
  interface Parser {
    eat(line: string): Parser;
    getResult(): { times?: unknown; packetLoss?: unknown; alive?: unknown; output?: unknown };
  }
  const factory: { createParser(addr: string, platform: string, config: object): Parser };
  export default factory;
}
