// Resolve hooks (see bundler-resolution.mjs): a bare specifier that names a directory
// resolves to the ES module its package.json gives as "module" (else "main").

import { readFile } from "node:fs/promises";

export async function resolve(specifier, context, nextResolve) {
  try {
    return await nextResolve(specifier, context);
  } catch (error) {
    if (error?.code !== "ERR_UNSUPPORTED_DIR_IMPORT") throw error;
    const manifest = await nextResolve(`${specifier}/package.json`, context);
    const { module, main } = JSON.parse(await readFile(new URL(manifest.url), "utf8"));
    return nextResolve(`${specifier}/${module ?? main ?? "index.js"}`, context);
  }
}
