// `node --import ./support/bundler-resolution.mjs script.mjs` lets the recipes import
// packages as an application built with Vite or webpack does. Apollo Client 3's entry points
// (`@apollo/client/core`, `@apollo/client/link/subscriptions`, ...) are directories whose
// package.json names an ES module in its "module" field: bundlers follow it, Node's own
// resolver refuses to import a directory. The hooks below follow it too.

import { register } from "node:module";

register("./bundler-resolution-hooks.mjs", import.meta.url);
