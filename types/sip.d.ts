// Declarations for the `sip` npm package 0.0.6 (kirm/sip.js), which ships no types.
// Only what the reference node uses; shapes measured in /work/shared/notes/sip-package-and-pcap.md.
declare module 'sip' {
  export interface SipUri {
    schema?: string;
    user?: string;
    password?: string;
    host: string;
    /** NaN when the URI has no port (the package does `+undefined`). */
    port?: number;
    params: Record<string, string | null | undefined>;
    headers?: Record<string, string>;
  }

  /** To, From, Contact, Route entries: the URI stays a string after parsing. */
  export interface NameAddr {
    name?: string;
    uri: string;
    params: Record<string, string | null | undefined>;
  }

  export interface Via {
    version?: string;
    protocol?: string;
    host?: string;
    port?: number;
    params: Record<string, string | null | undefined>;
  }

  export interface CSeq {
    seq: number;
    method: string;
  }

  export interface Headers {
    via?: Via[];
    to?: NameAddr;
    from?: NameAddr;
    contact?: NameAddr[] | '*';
    'call-id'?: string;
    cseq?: CSeq;
    'content-length'?: number;
    /** Every other header, lower-cased name, raw string (repeats comma-joined). */
    [name: string]: unknown;
  }

  export interface Message {
    method?: string;
    uri?: string | SipUri;
    status?: number;
    reason?: string;
    version?: string;
    headers: Headers;
    content?: string;
  }

  export interface Remote {
    protocol: string;
    address: string;
    port: number;
    local?: { address: string; port: number };
  }

  export interface Logger {
    send?(m: Message, target: Remote): void;
    recv?(m: Message, remote: Remote): void;
    error?(e: unknown): void;
  }

  export interface Options {
    port?: number;
    address?: string;
    publicAddress?: string;
    hostname?: string;
    udp?: boolean;
    tcp?: boolean;
    tls?: unknown;
    ws_port?: number;
    rport?: boolean;
    logger?: Logger;
    maxBytesHeaders?: number;
    maxContentLength?: number;
  }

  export interface Stack {
    send(m: Message, onResponse?: (rs: Message) => void): void;
    destroy(): void;
    hostname(): string;
  }

  export function create(options: Options, onRequest: (rq: Message, remote: Remote) => void): Stack;
  export function parse(s: string | Buffer): Message | undefined;
  export function stringify(m: Message): string;
  export function parseUri(s: string | SipUri): SipUri | undefined;
  export function stringifyUri(u: string | SipUri): string;
  export function makeResponse(
    rq: Message,
    status: number,
    reason?: string,
    extension?: { headers?: Record<string, unknown>; content?: string },
  ): Message;
  export function copyMessage(m: Message, deep?: boolean): Message;
  export function generateBranch(): string;
}
