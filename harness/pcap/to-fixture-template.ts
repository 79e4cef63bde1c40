// pcap2fixture's templating: a captured message the harness will send becomes a fixture
// template whose addresses, ports, Node-IDs, branch, tags, Call-ID and CSeq are placeholders,
// so it replays against any ring. The same value becomes the same placeholder everywhere
// (request line, Via, To/From/Contact URIs, DHT-NodeID, DHT-Link); every replacement is
// recorded for the note. With `anonymize`, user names become `{{user}}` (further users
// `user2`, `user3`, …) with their Resource-IDs, display names go, and bodies are dropped.

import { nodeIdOf, resourceIdOf } from '../overlay/id';
import type { SipMessage } from '../sip/types';
import type { Address } from './extract';

export interface RoleEndpoint {
  role: string;
  address: Address;
}

/** One replacement made, for the note. */
export interface Replacement {
  original: string;
  placeholder: string;
  what: string;
}

export interface TemplateContext {
  roles: RoleEndpoint[];
  anonymize: boolean;
  /** The searched ID sent as `{{key}}`, when a request searches an ID no role has. */
  key?: string;
  /** Users met so far (anonymize), in order: the first is `{{user}}`. */
  users: string[];
  replacements: Replacement[];
  /** Addresses and IDs left as written because no role has them. */
  leftAsWritten: Set<string>;
}

export function newTemplateContext(roles: RoleEndpoint[], anonymize: boolean): TemplateContext {
  return { roles, anonymize, users: [], replacements: [], leftAsWritten: new Set() };
}

function record(ctx: TemplateContext, original: string, placeholder: string, what: string): void {
  if (!ctx.replacements.some((r) => r.original === original && r.placeholder === placeholder)) ctx.replacements.push({ original, placeholder, what });
}

const IPV4 = String.raw`\d{1,3}(?:\.\d{1,3}){3}`;
const HOSTPORT_RE = new RegExp(String.raw`(?<![\w.\-])(${IPV4}|\[[0-9A-Fa-f:.]+\])(?::(\d{1,5}))?(?![\w.]*[\w])`, 'g');
const ID_RE = /(?<![0-9A-Za-z])[0-9A-Fa-f]{40}(?![0-9A-Za-z])/g;

const bare = (ip: string): string => ip.replace(/^\[|\]$/g, '');

/** The placeholder for an address met in `context` ('via': Via sent-by; 'host': a host-only parameter). */
function addressPlaceholder(ctx: TemplateContext, ip: string, port: number | undefined, context: 'via' | 'host' | 'uri'): string | undefined {
  const same = ctx.roles.filter((r) => r.address.ip === ip);
  if (same.length === 0) return undefined;
  const exact = same.find((r) => r.address.port === (port ?? 5060));
  if (context === 'host') return `{{${(exact ?? same[0]!).role}.host}}`;
  if (exact) return context === 'via' ? `{{${exact.role}.host}}:{{${exact.role}.port}}` : `{{${exact.role}.hostport}}`;
  // The host of a role, on a port no role has (a user agent's port, say): the port stays.
  return port === undefined ? `{{${same[0]!.role}.host}}` : `{{${same[0]!.role}.host}}:${port}`;
}

function replaceAddresses(ctx: TemplateContext, text: string, context: 'via' | 'uri'): string {
  return text.replace(HOSTPORT_RE, (match: string, ipRaw: string, portRaw: string | undefined, offset: number, whole: string) => {
    const ip = bare(ipRaw);
    const port = portRaw === undefined ? undefined : Number(portRaw);
    const before = whole.slice(Math.max(0, offset - 9), offset).toLowerCase();
    const hostOnly = /(received|maddr)=$/.test(before);
    const where = hostOnly ? 'host' : context === 'via' && /SIP\/2\.0\/[A-Za-z]+\s+$/i.test(whole.slice(0, offset)) ? 'via' : 'uri';
    const p = addressPlaceholder(ctx, ip, port, where);
    if (p === undefined) {
      ctx.leftAsWritten.add(match);
      return match;
    }
    record(ctx, match, p, 'address');
    return p;
  });
}

function replaceIds(ctx: TemplateContext, text: string): string {
  return text.replace(ID_RE, (id) => {
    const lower = id.toLowerCase();
    const role = ctx.roles.find((r) => nodeIdOf(r.address.ip, r.address.port) === lower);
    if (role) {
      record(ctx, id, `{{${role.role}.id}}`, `Node-ID of ${role.role}`);
      return `{{${role.role}.id}}`;
    }
    if (ctx.key !== undefined && lower === ctx.key) {
      record(ctx, id, '{{key}}', 'the searched ID');
      return '{{key}}';
    }
    if (ctx.anonymize) {
      const i = ctx.users.findIndex((u) => resourceIdOf(u) === lower);
      if (i === 0) {
        record(ctx, id, '{{resourceId}}', 'Resource-ID of the user');
        return '{{resourceId}}';
      }
      if (i > 0) return resourceIdOf(`user${i + 1}`);
    }
    ctx.leftAsWritten.add(id);
    return id;
  });
}

/** Replaces user names in `sip:user@` (never node IDs or placeholders) and drops display names. */
function anonymizeUsers(ctx: TemplateContext, text: string): string {
  const users = text.replace(/(sips?:)([^@\s;<>"{}]+)@/gi, (m: string, scheme: string, user: string) => {
    if (/^[0-9A-Fa-f]{40}$/.test(user)) return m;
    let i = ctx.users.indexOf(user);
    if (i < 0) i = ctx.users.push(user) - 1;
    const name = i === 0 ? '{{user}}' : `user${i + 1}`;
    record(ctx, user, name, 'user name');
    return `${scheme}${name}@`;
  });
  return users.replace(/^((?:To|From|Contact|t|f|m)[ \t]*:[ \t]*)(?:"[^"]*"|[^<\r\n"]*?)[ \t]*</i, '$1<');
}

/** The node URI of a role, written in full, becomes `{{role.uri}}`. */
function collapseNodeUris(text: string): string {
  return text.replace(/sip:\{\{(\w+)\.id\}\}@\{\{\1\.hostport\}\};user=node;alg=rsa-sha1;overlay=\{\{overlay\}\}(?=[>;,\s]|$)/g, '{{$1.uri}}');
}

export interface TemplateOptions {
  /** A response the harness sends: its To-tag is dropped (the player adds the transaction's own). */
  response?: boolean;
}

/**
 * The template text (LF lines, no final newline) for a captured message the harness sends.
 * Header lines keep their spelling and order; folds are kept.
 */
export function toTemplate(ctx: TemplateContext, message: SipMessage, options: TemplateOptions = {}): string {
  const lines: string[] = [];
  const startLine = message.startLine.raw;
  lines.push(replaceAddresses(ctx, replaceIds(ctx, ctx.anonymize ? anonymizeUsers(ctx, startLine) : startLine), 'uri'));
  const dropBody = ctx.anonymize && message.body.length > 0;
  for (const h of message.headers) {
    if (dropBody && h.key === 'content-type') continue;
    let raw = h.raw.replace(/\r\n/g, '\n');
    const valueStart = raw.indexOf(':') + 1;
    const name = raw.slice(0, valueStart);
    let value = raw.slice(valueStart);
    switch (h.key) {
      case 'call-id':
        record(ctx, h.value, '{{callId}}', 'Call-ID');
        value = value.replace(h.value, '{{callId}}');
        break;
      case 'cseq':
        value = value.replace(/^(\s*)\d+/, (_m, sp: string) => `${sp}{{cseq}}`);
        break;
      case 'content-length':
        value = value.replace(/\d+/, '{{contentLength}}');
        break;
      case 'via':
        value = value.replace(/(;\s*branch=)([^;,\s]+)/i, (_m, p: string, b: string) => {
          record(ctx, b, '{{branch}}', 'Via branch');
          return `${p}{{branch}}`;
        });
        value = value.replace(/(;\s*rport=)(\d+)/i, (m, p: string, port: string) => {
          const role = ctx.roles.find((r) => r.address.port === Number(port));
          return role ? `${p}{{${role.role}.port}}` : m;
        });
        break;
      case 'from':
        value = value.replace(/(;\s*tag=)([^;,\s]+)/i, (_m, p: string, t: string) => {
          record(ctx, t, '{{tag}}', 'From tag');
          return `${p}{{tag}}`;
        });
        break;
      case 'to':
        if (options.response) value = value.replace(/;\s*tag=[^;,\s]+/i, '');
        break;
      default:
        break;
    }
    raw = name + value;
    if (ctx.anonymize) raw = anonymizeUsers(ctx, raw);
    raw = replaceIds(ctx, raw);
    raw = replaceAddresses(ctx, raw, h.key === 'via' ? 'via' : 'uri');
    raw = raw.replace(/(;\s*overlay=)([^;>,\s]+)/gi, (m: string, p: string, o: string) => {
      if (o.startsWith('{{')) return m;
      record(ctx, o, '{{overlay}}', 'overlay name');
      return `${p}{{overlay}}`;
    });
    lines.push(collapseNodeUris(raw));
  }
  if (message.body.length > 0 && !dropBody) {
    const body = new TextDecoder('utf-8', { fatal: false }).decode(message.body);
    lines.push('', ...body.replace(/\r\n$/, '').split(/\r\n/));
  }
  return lines.join('\n');
}

/** Can this body be written in a YAML literal block (text, no control characters but tab)? */
export function bodyIsText(message: SipMessage): boolean {
  if (message.body.length === 0) return true;
  try {
    const text = new TextDecoder('utf-8', { fatal: true }).decode(message.body);
    return !/[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]|\r(?!\n)|(?<!\r)\n/.test(text);
  } catch {
    return false;
  }
}
