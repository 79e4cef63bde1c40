// User bindings stored at the responsible node (SOS-REG-2, SOS-REG-4, SOS-REG-7), with
// expiry read from the injected clock.
import { Clock } from './clock';

export interface Binding {
  contact: string;
  expiresAt: number;
  /** 0 for a binding this node owns; 1..4 for a `replica` copy (SOS-REG-7). */
  replica: number;
}

export interface Registration {
  resourceId: string;
  user: string;
  /** The user URI the binding was registered under (To, without tag). */
  aor: string;
  bindings: Binding[];
}

export interface BindingView {
  contact: string;
  /** Seconds left, rounded up. */
  expires: number;
  replica: number;
}

export class BindingStore {
  private readonly regs = new Map<string, Registration>();

  constructor(private readonly clock: Clock) {}

  /** SOS-REG-4: register or refresh; expiry 0 removes the binding. */
  put(resourceId: string, user: string, aor: string, contact: string, expiresSec: number, replica = 0): void {
    this.purgeExpired();
    let reg = this.regs.get(resourceId);
    if (expiresSec <= 0) {
      if (reg) reg.bindings = reg.bindings.filter((b) => !sameContact(b.contact, contact));
      if (reg && reg.bindings.length === 0) this.regs.delete(resourceId);
      return;
    }
    if (!reg) {
      reg = { resourceId, user, aor, bindings: [] };
      this.regs.set(resourceId, reg);
    }
    const expiresAt = this.clock.now() + expiresSec * 1000;
    const existing = reg.bindings.find((b) => sameContact(b.contact, contact));
    if (existing) {
      existing.expiresAt = expiresAt;
      existing.contact = contact;
      existing.replica = Math.min(existing.replica, replica);
    } else {
      reg.bindings.push({ contact, expiresAt, replica });
    }
  }

  removeAll(resourceId: string): void {
    this.regs.delete(resourceId);
  }

  get(resourceId: string): BindingView[] {
    this.purgeExpired();
    const reg = this.regs.get(resourceId);
    return reg ? reg.bindings.map((b) => this.view(b)) : [];
  }

  registration(resourceId: string): Registration | undefined {
    this.purgeExpired();
    return this.regs.get(resourceId);
  }

  /** Removes and returns the registrations whose Resource-ID matches (hand-over, SOS-REG-6). */
  take(match: (resourceId: string, reg: Registration) => boolean): Array<{ reg: Registration; views: BindingView[] }> {
    this.purgeExpired();
    const out: Array<{ reg: Registration; views: BindingView[] }> = [];
    for (const [rid, reg] of this.regs) {
      if (!match(rid, reg)) continue;
      out.push({ reg, views: reg.bindings.map((b) => this.view(b)) });
      this.regs.delete(rid);
    }
    return out;
  }

  /** The bindings of a registration taken out of the store, with the time they have left. */
  viewsOf(reg: Registration): BindingView[] {
    const now = this.clock.now();
    return reg.bindings.filter((b) => b.expiresAt > now).map((b) => this.view(b));
  }

  /** Puts back a registration whose hand-over failed. */
  restore(reg: Registration): void {
    if (!this.regs.has(reg.resourceId)) this.regs.set(reg.resourceId, reg);
  }

  static hasPrimary(reg: Registration): boolean {
    return reg.bindings.some((b) => b.replica === 0);
  }

  all(): Registration[] {
    this.purgeExpired();
    return [...this.regs.values()];
  }

  purgeExpired(): void {
    const now = this.clock.now();
    for (const [rid, reg] of this.regs) {
      reg.bindings = reg.bindings.filter((b) => b.expiresAt > now);
      if (reg.bindings.length === 0) this.regs.delete(rid);
    }
  }

  private view(b: Binding): BindingView {
    return { contact: b.contact, expires: Math.max(1, Math.ceil((b.expiresAt - this.clock.now()) / 1000)), replica: b.replica };
  }
}

/** Contacts compare by URI without parameters (RFC 3261 §10.3 step 7 compares URIs). */
function sameContact(a: string, b: string): boolean {
  return contactKey(a) === contactKey(b);
}

export function contactKey(uri: string): string {
  return uri.replace(/^<|>$/g, '').split(';')[0].toLowerCase();
}
