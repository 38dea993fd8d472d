/** Loads a package named only at run time (a model provider's). */
type PackageImporter = (name: string) => Promise<unknown>;

let importer: PackageImporter = (name) => import(name);

/**
 * Imports an npm package whose name is known only at run time. The CLI's bundle runs as a script
 * compiled with a V8 code cache (bin/fanout.js), where import() has no module loader to call, so
 * the CLI hands in its own; everywhere else this is plain import().
 */
export function importPackage(name: string): Promise<unknown> {
  return importer(name);
}

/** Sets how importPackage loads packages (bin/fanout.js passes an import() of its own). */
export function setPackageImporter(next: PackageImporter): void {
  importer = next;
}
