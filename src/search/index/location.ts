import { createHash } from "node:crypto";
import { homedir } from "node:os";
import { join, resolve } from "node:path";

/**
 * Where the index of a folder is kept: `$FANOUT_HOME/indexes/<hash of the folder's absolute path>.sqlite`,
 * beside the run store, never inside the folder itself (which may be read-only or shared).
 */
export function indexPathFor(folder: string, env: NodeJS.ProcessEnv = process.env): string {
  const home = env.FANOUT_HOME?.trim() || join(homedir(), ".fanout");
  const id = createHash("sha256").update(resolve(folder)).digest("hex").slice(0, 16);
  return join(home, "indexes", `${id}.sqlite`);
}
