/**
 * Reads a `permissions { publish, subscribe, allow_responses }` block from the config tree into
 * a `PermissionsSpec`, with nats-server's parsing rules (opts.go parseUserPermissions,
 * parseVariablePermissions, parseAllowResponses, checkPermSubjectArray) and its error texts,
 * located at file:line:col.
 */

import { type ConfEntry, type ConfNode, type ConfPos, describeKind } from "../config/conf_types.ts";
import { wantInt } from "../config/conf_values.ts";
import { parseDuration } from "../config/duration.ts";
import { ConfigError } from "../config/errors.ts";
import { isValidSubject } from "../subject/subject.ts";
import {
  DEFAULT_RESPONSE_PERMISSION,
  type PermissionsSpec,
  type ResponsePermission,
  type SubjectPermission,
} from "./permissions.ts";

/** Throws a `ConfigError` at `pos` with nats-server's wording. */
export function fail(pos: ConfPos, detail: string, key?: string): never {
  throw new ConfigError(pos.file, pos.line, pos.col, detail, key);
}

/** How Go's `%v` would show a value in "got ..." messages, roughly. */
export function shown(node: ConfNode): string {
  return node.kind === "string" ? node.value : describeKind(node);
}

/** An array item or map value as an entry, so the typed readers can report it. */
export function entryOf(node: ConfNode, key: string): ConfEntry {
  return { key, node, file: node.file, line: node.line, col: node.col, referenced: false };
}

/** `permissions` (or `default_permissions`) value -> spec. */
export function readPermissions(entry: ConfEntry): PermissionsSpec {
  const n = entry.node;
  if (n.kind !== "map") {
    fail(n, `Expected permissions to be a map/struct, got ${shown(n)}`, entry.key);
  }
  let publish: SubjectPermission | null = null;
  let subscribe: SubjectPermission | null = null;
  let responses: ResponsePermission | null = null;
  for (const e of n.value.values()) {
    switch (e.key.toLowerCase()) {
      // For routes, import is publish and export is subscribe.
      case "pub":
      case "publish":
      case "import":
        publish = readSubjectPermission(e);
        break;
      case "sub":
      case "subscribe":
      case "export":
        subscribe = readSubjectPermission(e);
        break;
      case "publish_allow_responses":
      case "allow_responses":
        responses = readAllowResponses(e);
        break;
      default:
        if (!e.referenced) {
          fail(e, `Unknown field ${JSON.stringify(e.key)} parsing permissions`, e.key);
        }
    }
  }
  // Response permits replace the blanket publish allow: without an allow list, only replies
  // may be published (nats-server validateResponsePermissions).
  if (responses !== null && publish?.allow == null) {
    publish = { allow: [], deny: publish?.deny ?? null };
  }
  return { publish, subscribe, responses };
}

/** A subject, a list of subjects, or `{ allow, deny }`; null for an empty map. */
function readSubjectPermission(entry: ConfEntry): SubjectPermission | null {
  const n = entry.node;
  if (n.kind !== "map") {
    const subjects = readSubjects(entry);
    return { allow: subjects.length > 0 ? subjects : null, deny: null };
  }
  if (n.value.size === 0) return null;
  let allow: string[] | null = null;
  let deny: string[] | null = null;
  for (const e of n.value.values()) {
    const key = e.key.toLowerCase();
    if (key === "allow") {
      const s = readSubjects(e);
      allow = s.length > 0 ? s : null;
    } else if (key === "deny") {
      const s = readSubjects(e);
      deny = s.length > 0 ? s : null;
    } else if (!e.referenced) {
      fail(
        e,
        `Unknown field name ${JSON.stringify(e.key)} parsing subject permissions, ` +
          `only 'allow' or 'deny' are permitted`,
        e.key,
      );
    }
  }
  return { allow, deny };
}

/** nats-server's parsePermSubjects + checkPermSubjectArray. */
function readSubjects(entry: ConfEntry): string[] {
  const n = entry.node;
  let items: { text: string; pos: ConfPos }[];
  if (n.kind === "string") {
    items = [{ text: n.value, pos: n }];
  } else if (n.kind === "array") {
    items = n.value.map((item) => {
      if (item.kind !== "string") {
        fail(item, "Subject in permissions array cannot be cast to string", entry.key);
      }
      return { text: item.value, pos: item };
    });
  } else {
    fail(
      n,
      `Expected subject permissions to be a subject, or array of subjects, got ${describeKind(n)}`,
      entry.key,
    );
  }
  for (const { text, pos } of items) {
    if (isValidSubject(text)) continue;
    // A subscribe entry may be "subject queue".
    const fields = text.trim().split(/\s+/).filter((f) => f !== "");
    if (fields.length !== 2) {
      fail(pos, `subject ${JSON.stringify(text)} is not a valid subject`, entry.key);
    }
    if (!isValidSubject(fields[0])) {
      fail(pos, `subject ${JSON.stringify(fields[0])} is not a valid subject`, entry.key);
    }
  }
  return items.map((i) => i.text);
}

/** `allow_responses: true | false | { max, expires }`. */
function readAllowResponses(entry: ConfEntry): ResponsePermission | null {
  const n = entry.node;
  if (n.kind === "bool") return n.value ? DEFAULT_RESPONSE_PERMISSION : null;
  if (n.kind !== "map") {
    fail(n, "error parsing response permissions, expected a boolean or a map", entry.key);
  }
  let { max, expiresMs } = DEFAULT_RESPONSE_PERMISSION;
  for (const e of n.value.values()) {
    switch (e.key.toLowerCase()) {
      case "max":
      case "max_msgs":
      case "max_messages":
      case "max_responses": {
        // Negative means unlimited; 0 keeps the default.
        const v = wantInt(e);
        if (v !== 0) max = v;
        break;
      }
      case "expires":
      case "expiration":
      case "ttl": {
        if (e.node.kind !== "string") {
          fail(e.node, "error parsing expires, not a duration string", e.key);
        }
        let ms: number;
        try {
          ms = parseDuration(e.node.value);
        } catch (err) {
          fail(e.node, `error parsing expires: time: ${(err as Error).message}`, e.key);
        }
        if (ms !== 0) expiresMs = ms;
        break;
      }
      default:
        if (!e.referenced) {
          fail(e, `Unknown field ${JSON.stringify(e.key)} parsing permissions`, e.key);
        }
    }
  }
  return { max, expiresMs };
}
