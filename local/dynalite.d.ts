// dynalite ships no type declarations; this covers the part local mode uses.
declare module 'dynalite' {
  import type { Server } from 'node:http';

  interface DynaliteOptions {
    /** LevelDB directory; in memory when absent. */
    readonly path?: string;
    readonly createTableMs?: number;
    readonly deleteTableMs?: number;
    readonly updateTableMs?: number;
    readonly maxItemSizeKb?: number;
    readonly verbose?: boolean;
  }

  export default function dynalite(options?: DynaliteOptions): Server;
}
