// process.initgroups() exists on POSIX Node.js (since 0.9.4) but @types/node 20 omits it.
declare global {
  namespace NodeJS {
    interface Process {
      initgroups?: (user: string | number, extraGroup: string | number) => void;
    }
  }
}

export {};
