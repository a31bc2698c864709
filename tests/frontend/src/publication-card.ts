// Uses the types GraphQL Code Generator makes from schema.graphql and
// operations/PublicationCard.graphql. `tsc` fails if a scalar is mapped otherwise than
// codegen.ts says, or not at all, or if the operation stops matching the schema.

import type { PublicationCardQuery } from "../__generated__/graphql";

type Card = NonNullable<PublicationCardQuery["publication"]>;

/** "2022-04" as the page shows it, or "undated": a PartialDate is text. */
export function dateLabel(card: Card): string {
  return card.publishedOn ?? "undated";
}

/** A DateTime is RFC 3339 text, which Date reads. */
export function lastChanged(card: Card): Date {
  return new Date(card.updatedAt);
}

/** JSON is `unknown`: narrow it before use. */
export function citationTitle(card: Card): string | undefined {
  const item = card.cslJson;
  return typeof item === "object" &&
    item !== null &&
    "title" in item &&
    typeof item.title === "string"
    ? item.title
    : undefined;
}

// Exactly these types: `unknown` (what codegen gives a scalar it has no mapping for) or
// `any` fails here.
type Exactly<A, B> =
  (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;
export const partialDateIsText: Exactly<Card["publishedOn"], string | null> = true;
export const dateTimeIsText: Exactly<Card["updatedAt"], string> = true;
export const jsonIsUnknown: Exactly<Card["cslJson"], unknown> = true;
