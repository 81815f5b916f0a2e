import type { Status, SubjectRef } from './event.js';
import { field, text } from './json.js';
import type { StatusMappingRow } from './vendor.js';

/*
 * What vendor files share when they read a body: the subject it names, and the README rows of
 * their word tables.
 */

/** Where a vendor's bodies name the one kind of subject they all report on. */
export interface SubjectFields {
  /** `subject.kind`, in the vendor's terms. */
  readonly kind: string;
  /** The members that hold the subject's id: the first present names it. */
  readonly idFields: readonly string[];
  /** The member holding the caller's own reference, when the vendor echoes one. */
  readonly externalRefField: string;
}

/**
 * The subject a body names: its id from the first id field that holds one (a non-empty string or
 * a number), and the caller's reference when sent. `undefined` when no id field holds one.
 */
export function readSubject(json: unknown, fields: SubjectFields): SubjectRef | undefined {
  const id = fields.idFields
    .map((name) => text(field(json, name)))
    .find((value) => value !== undefined);
  if (id === undefined) return undefined;
  const externalRef = text(field(json, fields.externalRefField));
  return { kind: fields.kind, id, ...(externalRef !== undefined && { externalRef }) };
}

/** A vendor's word → status table; a word may carry its own note (what it means). */
export type WordStatuses = Readonly<
  Record<string, Status | { readonly status: Status; readonly note: string }>
>;

/**
 * The status mapping rows of the words read at `field`, in the table's order: each word's own
 * note, else the `note` given for all of them.
 */
export function mappingRows(field: string, table: WordStatuses, note?: string): StatusMappingRow[] {
  return Object.entries(table).map(([value, entry]) =>
    typeof entry === 'string'
      ? { field, value, status: entry, ...(note !== undefined && { note }) }
      : { field, value, ...entry },
  );
}
