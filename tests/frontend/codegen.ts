import type { CodegenConfig } from "@graphql-codegen/cli";

const config: CodegenConfig = {
  // The SDL exported from the server (also served at /schema.graphql).
  schema: "../../schema.graphql",
  documents: "operations/*.graphql",
  generates: {
    "__generated__/graphql.ts": {
      plugins: ["typescript-operations"],
      config: {
        // Every custom scalar must be mapped: a new one fails the generation, not the page.
        strictScalars: true,
        scalars: {
          // "2022", "2022-04" or "2022-04-12", as entered; not a Date.
          PartialDate: "string",
          // RFC 3339 in UTC with microseconds; `new Date(text)` reads it.
          DateTime: "string",
          // Any JSON value (`Publication.cslJson` is a CSL-JSON object).
          JSON: "unknown",
        },
      },
    },
  },
};

export default config;
