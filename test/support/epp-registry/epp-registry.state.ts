import { randomBytes } from 'node:crypto';

/** What the registry answers to one command, before it is put in XML. */
export interface Reply {
  code: number;
  msg?: string;
  /** `<extValue>`: the offending status and a reason, as RFC 5730 allows. */
  extValue?: { status: string; reason: string };
  infData?: DomainRecord & { showAuthInfo: boolean };
  trnData?: TransferRecord;
  msgQ?: { count: number; id: string; qDate?: Date; msg?: string };
  /** `<domain:chkData>`, with RFC 8748 transfer prices when the check asked for them. */
  chkData?: Array<{ name: string; avail: boolean; transferFee?: TransferFee & { periodYears: number } }>;
}

/** RFC 8748: what a transfer costs; a class other than `standard` must be acknowledged. */
export interface TransferFee {
  amount: string;
  feeClass: string;
}

export const REGISTRY_CURRENCY = 'USD';
const STANDARD_TRANSFER_FEE: TransferFee = { amount: '8.00', feeClass: 'standard' };

export interface TransferRecord {
  name: string;
  trStatus: 'pending' | 'clientApproved' | 'clientRejected' | 'clientCancelled' | 'serverApproved' | 'serverCancelled';
  reID: string;
  reDate: Date;
  acID: string;
  acDate: Date;
  exDate?: Date;
  periodYears: number;
}

export interface DomainRecord {
  name: string;
  roid: string;
  clID: string;
  crDate: Date;
  exDate: Date;
  upDate?: Date;
  trDate?: Date;
  authInfo: string;
  statuses: Set<string>;
  registrant?: string;
  /** RFC 3915 periods, sent in an RGP extension to a session that announced it. */
  rgpStatuses?: string[];
  /** Unset: the standard price. */
  transferFee?: TransferFee;
  pending?: TransferRecord;
  lastTransfer?: TransferRecord;
}

export interface PollMessage {
  id: string;
  qDate: Date;
  msg: string;
  trnData?: TransferRecord;
}

const DAY = 24 * 60 * 60 * 1000;
const TRANSFER_LOCK = ['clientTransferProhibited', 'serverTransferProhibited'];

/**
 * A registry's domain and transfer rules, reduced to what a registrar's adapter meets:
 * 60-day locks, auth codes, transfer-prohibited statuses, a pending window after which the
 * registry approves on its own, and a poll queue per registrar.
 */
export class RegistryState {
  readonly domains = new Map<string, DomainRecord>();
  private readonly queues = new Map<string, PollMessage[]>();
  /** Each transfer request the registry accepted, and what it charged the requesting registrar. */
  readonly charges: Array<{ clID: string; name: string; amount: string; currency: string }> = [];
  private nextMsgId = 1;
  private nextRoid = 1;

  constructor(
    readonly clock: { now(): Date },
    readonly transferWindowMs = 5 * DAY,
  ) {}

  addDomain(input: {
    name: string;
    clID: string;
    authInfo?: string;
    statuses?: string[];
    rgpStatuses?: string[];
    transferFee?: TransferFee;
    crDate?: Date;
    exDate?: Date;
    trDate?: Date;
  }): DomainRecord {
    const now = this.clock.now();
    const record: DomainRecord = {
      name: input.name.toLowerCase(),
      roid: `D${this.nextRoid++}-TEST`,
      clID: input.clID,
      crDate: input.crDate ?? new Date(now.getTime() - 400 * DAY),
      exDate: input.exDate ?? new Date(now.getTime() + 200 * DAY),
      trDate: input.trDate,
      authInfo: input.authInfo ?? randomBytes(9).toString('base64url'),
      statuses: new Set(input.statuses ?? []),
      rgpStatuses: input.rgpStatuses,
      transferFee: input.transferFee,
      registrant: 'REG-1',
    };
    this.domains.set(record.name, record);
    return record;
  }

  messages(clID: string): PollMessage[] {
    let queue = this.queues.get(clID);
    if (!queue) this.queues.set(clID, (queue = []));
    return queue;
  }

  enqueue(clID: string, msg: string, trnData?: TransferRecord): void {
    this.messages(clID).push({ id: String(this.nextMsgId++), qDate: this.clock.now(), msg, trnData: trnData && { ...trnData } });
  }

  /** Pending transfers past their action date are approved by the registry, as ICANN's 5 days do. */
  settle(): void {
    const now = this.clock.now().getTime();
    for (const domain of this.domains.values()) {
      if (domain.pending && domain.pending.acDate.getTime() <= now) this.finish(domain, 'serverApproved');
    }
  }

  info(who: string, name: string): Reply {
    const domain = this.domains.get(name);
    if (!domain) return { code: 2303 };
    return { code: 1000, infData: { ...domain, statuses: new Set(domain.statuses), showAuthInfo: domain.clID === who } };
  }

  check(names: string[], withTransferFee: boolean, periodYears = 1): Reply {
    return {
      code: 1000,
      chkData: names.map((name) => {
        const domain = this.domains.get(name);
        const fee = domain?.transferFee ?? STANDARD_TRANSFER_FEE;
        return { name, avail: !domain, transferFee: withTransferFee && domain ? { ...fee, amount: multiply(fee.amount, periodYears), periodYears } : undefined };
      }),
    };
  }

  /**
   * `fee` is the RFC 8748 acknowledgement the request carried, if any. A premium price must be
   * acknowledged exactly; a standard one may be.
   */
  requestTransfer(who: string, name: string, authInfo: string | undefined, periodYears = 1, fee?: { currency?: string; amount: string }): Reply {
    const domain = this.domains.get(name);
    if (!domain) return { code: 2303 };
    const price = domain.transferFee ?? STANDARD_TRANSFER_FEE;
    const due = multiply(price.amount, periodYears);
    if (fee && (Number(fee.amount) !== Number(due) || (fee.currency ?? REGISTRY_CURRENCY) !== REGISTRY_CURRENCY)) {
      return { code: 2004, msg: `Parameter value range error: the transfer fee is ${due} ${REGISTRY_CURRENCY}` };
    }
    if (!fee && price.feeClass !== 'standard') return { code: 2004, msg: `Parameter value range error: premium domain, the transfer fee of ${due} ${REGISTRY_CURRENCY} must be acknowledged` };
    if (domain.clID === who) return { code: 2106, msg: 'Object is not eligible for transfer; already sponsored by the requesting client' };
    if (domain.pending) return { code: 2300 };
    if (!domain.authInfo || authInfo !== domain.authInfo) return { code: 2202 };
    const locked = TRANSFER_LOCK.find((s) => domain.statuses.has(s));
    if (locked) return { code: 2304, extValue: { status: locked, reason: 'Transfer prohibited by status' } };
    const now = this.clock.now();
    if (now.getTime() - domain.crDate.getTime() < 60 * DAY) return { code: 2106, msg: 'Object is not eligible for transfer: registered less than 60 days ago' };
    if (domain.trDate && now.getTime() - domain.trDate.getTime() < 60 * DAY) {
      return { code: 2106, msg: 'Object is not eligible for transfer: transferred less than 60 days ago' };
    }
    domain.pending = {
      name,
      trStatus: 'pending',
      reID: who,
      reDate: now,
      acID: domain.clID,
      acDate: new Date(now.getTime() + this.transferWindowMs),
      exDate: addYears(domain.exDate, periodYears),
      periodYears,
    };
    domain.statuses.add('pendingTransfer');
    this.charges.push({ clID: who, name, amount: due, currency: REGISTRY_CURRENCY });
    this.enqueue(domain.clID, 'Transfer requested.', domain.pending);
    return { code: 1001, trnData: domain.pending };
  }

  queryTransfer(who: string, name: string): Reply {
    const domain = this.domains.get(name);
    if (!domain) return { code: 2303 };
    const transfer = domain.pending ?? domain.lastTransfer;
    if (!transfer) return { code: 2301 };
    if (who !== transfer.reID && who !== transfer.acID && who !== domain.clID) return { code: 2201 };
    return { code: 1000, trnData: transfer };
  }

  actOnTransfer(who: string, name: string, op: 'approve' | 'reject' | 'cancel'): Reply {
    const domain = this.domains.get(name);
    if (!domain) return { code: 2303 };
    if (!domain.pending) return { code: 2301 };
    const allowed = op === 'cancel' ? domain.pending.reID : domain.pending.acID;
    if (who !== allowed) return { code: 2201 };
    const trStatus = op === 'approve' ? 'clientApproved' : op === 'reject' ? 'clientRejected' : 'clientCancelled';
    return { code: 1000, trnData: this.finish(domain, trStatus) };
  }

  update(who: string, name: string, change: { add: string[]; rem: string[]; authInfo?: string | null }): Reply {
    const domain = this.domains.get(name);
    if (!domain) return { code: 2303 };
    if (domain.clID !== who) return { code: 2201 };
    if (domain.statuses.has('pendingTransfer')) return { code: 2304, extValue: { status: 'pendingTransfer', reason: 'Transfer pending' } };
    if (domain.statuses.has('serverUpdateProhibited')) return { code: 2304, extValue: { status: 'serverUpdateProhibited', reason: 'Update prohibited' } };
    for (const s of [...change.add, ...change.rem]) {
      if (!s.startsWith('client')) return { code: 2306, msg: `Parameter value policy error: ${s} is not a client status` };
    }
    if (change.add.some((s) => domain.statuses.has(s))) return { code: 2306, msg: 'Parameter value policy error: status already present' };
    if (change.rem.some((s) => !domain.statuses.has(s))) return { code: 2306, msg: 'Parameter value policy error: status not present' };
    for (const s of change.add) domain.statuses.add(s);
    for (const s of change.rem) domain.statuses.delete(s);
    // null: RFC 9154's <domain:null/>, no code at all until a new one is set.
    if (change.authInfo !== undefined) domain.authInfo = change.authInfo ?? '';
    domain.upDate = this.clock.now();
    return { code: 1000 };
  }

  pollRequest(who: string): Reply {
    const queue = this.messages(who);
    const head = queue[0];
    if (!head) return { code: 1300 };
    return { code: 1301, msgQ: { count: queue.length, id: head.id, qDate: head.qDate, msg: head.msg }, trnData: head.trnData };
  }

  pollAck(who: string, msgID: string): Reply {
    const queue = this.messages(who);
    const index = queue.findIndex((m) => m.id === msgID);
    if (index < 0) return { code: 2303, msg: 'Message not found' };
    queue.splice(index, 1);
    return { code: 1000, msgQ: { count: queue.length, id: msgID } };
  }

  private finish(domain: DomainRecord, trStatus: TransferRecord['trStatus']): TransferRecord {
    const pending = domain.pending!;
    const now = this.clock.now();
    const done: TransferRecord = { ...pending, trStatus, acDate: now };
    domain.pending = undefined;
    domain.statuses.delete('pendingTransfer');
    if (trStatus === 'clientApproved' || trStatus === 'serverApproved') {
      domain.clID = pending.reID;
      domain.trDate = now;
      domain.exDate = addYears(domain.exDate, pending.periodYears);
      done.exDate = domain.exDate;
      domain.authInfo = randomBytes(9).toString('base64url');
      domain.statuses.delete('clientTransferProhibited');
    } else {
      done.exDate = undefined;
    }
    domain.lastTransfer = done;
    const text = `Transfer ${trStatus}.`;
    if (trStatus !== 'clientCancelled') this.enqueue(pending.reID, text, done);
    if (trStatus !== 'clientApproved' && trStatus !== 'clientRejected') this.enqueue(pending.acID, text, done);
    return done;
  }
}

function multiply(amount: string, times: number): string {
  return (Math.round(Number(amount) * 100) * times / 100).toFixed(2);
}

function addYears(date: Date, years: number): Date {
  const next = new Date(date);
  next.setUTCFullYear(next.getUTCFullYear() + years);
  return next;
}
