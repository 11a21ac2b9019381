import type { Logger } from 'pino';
import {
  RegistrarError,
  type DomainInfo,
  type EppCodeResult,
  type RegistrarAdapter,
  type RegistryTransferEvent,
  type TransferRequest,
  type TransferRequestResult,
  type TransferStatus,
} from '../types.ts';
import { generateAuthInfo } from './epp.authinfo.ts';
import {
  domainAuthInfoChangeCommand,
  domainCheckCommand,
  domainAuthInfoNullCommand,
  domainInfoCommand,
  domainStatusUpdateCommand,
  domainTransferCommand,
  pollAckCommand,
  pollRequestCommand,
  type EppCommand,
} from './epp.commands.ts';
import { isSuccess, responseError } from './epp.errors.ts';
import { acceptTransferFee, feeCheckExtension, feeTransferExtension, readTransferFee, type TransferFeeLimit } from './epp.fee.ts';
import { NS } from './epp.namespaces.ts';
import type { EppPool } from './epp.pool.ts';
import type { EppSession } from './epp.session.ts';
import { readInfData, readTrnData, type DomainInfoData, type EppResponse, type TransferData } from './epp.response.ts';

const LOCK_STATUS = 'clientTransferProhibited';
/** Non-transfer poll messages acknowledged per `poll()` call before giving the queue a rest. */
const MAX_SKIPPED_MESSAGES = 100;

export interface EppAdapterConfig {
  id: string;
  label: string;
  clientId: string;
  setFreshAuthInfo: boolean;
  /** The most a transfer may cost at the registry (RFC 8748); unset accepts standard prices only. */
  maxTransferFee?: TransferFeeLimit;
  pool: EppPool;
  logger: Logger;
}

export class EppAdapter implements RegistrarAdapter {
  readonly id: string;
  readonly label: string;
  private readonly pool: EppPool;
  private readonly logger: Logger;

  constructor(private readonly config: EppAdapterConfig) {
    this.id = config.id;
    this.label = config.label;
    this.pool = config.pool;
    this.logger = config.logger;
  }

  async transfer(request: TransferRequest): Promise<TransferRequestResult> {
    const domain = normalise(request.domain);
    // Contacts are not part of an EPP transfer; thick registries move them with the domain.
    const response = await this.pool.run(async (session) => {
      const extensions = await this.transferFeeExtensions(session, domain, request.periodYears ?? 1);
      return session.execute(domainTransferCommand('request', domain, { authCode: request.authCode, periodYears: request.periodYears, extensions }));
    });
    if (!isSuccess(response.code)) throw await this.transferRefusal(domain, response);
    const reference = response.svTRID ?? domain;
    const trn = readTrnData(response.resData);
    if (trn && (trn.trStatus === 'clientApproved' || trn.trStatus === 'serverApproved')) {
      return { kind: 'completed', reference, expiryDate: await this.expiryOf(domain, trn) };
    }
    return { kind: 'pending', reference, actionDate: trn?.acDate };
  }

  async getTransferStatus(domain: string, reference?: string): Promise<TransferStatus> {
    domain = normalise(domain);
    const response = await this.send(domainTransferCommand('query', domain));
    if (response.code === 2301) {
      // No transfer on record. Some registries drop transfer data once the sponsor changed,
      // so the domain being ours means our transfer went through; otherwise there is none.
      const info = await this.getDomainInfo(domain);
      if (info.sponsoredByUs && info.expiresAt) return { kind: 'completed', expiryDate: info.expiresAt };
      throw responseError(response);
    }
    if (!isSuccess(response.code)) throw responseError(response);
    const trn = readTrnData(response.resData);
    if (!trn) throw new RegistrarError('transient', 'transfer query answered without trnData', { rawCode: response.code });
    if (!this.isUs(trn.reID)) {
      // The record is someone else's request, so ours ended before it; the sponsor tells how.
      const info = await this.getDomainInfo(domain);
      if (info.sponsoredByUs && info.expiresAt) return { kind: 'completed', expiryDate: info.expiresAt };
      return { kind: 'rejected', reason: `the registry's transfer record is now a request by ${trn.reID}` };
    }
    return this.statusOf(domain, trn, reference);
  }

  async getDomainInfo(domain: string): Promise<DomainInfo> {
    domain = normalise(domain);
    const inf = await this.info(domain);
    const sponsoredByUs = this.isUs(inf.clID);
    const result: DomainInfo = {
      domain,
      sponsoredByUs,
      registrar: inf.clID,
      // RGP periods (redemptionPeriod, pendingRestore…) sit beside the EPP statuses: the
      // transfer rules read them from the one list.
      statuses: [...new Set([...inf.statuses, ...inf.rgpStatuses])],
      createdAt: inf.crDate,
      expiresAt: inf.exDate,
      lastTransferredAt: inf.trDate,
    };
    if (sponsoredByUs && inf.statuses.includes('pendingTransfer')) {
      result.pendingTransferOut = await this.pendingTransferOut(domain);
    }
    return result;
  }

  async getEppCode(domain: string): Promise<EppCodeResult> {
    domain = normalise(domain);
    const inf = await this.ownInfo(domain);
    if (this.config.setFreshAuthInfo) {
      const code = generateAuthInfo();
      await this.ok(domainAuthInfoChangeCommand(domain, code));
      this.logger.info({ domain }, 'fresh EPP auth code set at the registry');
      return { kind: 'code', code };
    }
    if (!inf.authInfo) {
      throw new RegistrarError('unsupported', 'registry returned no authInfo; it may store codes hashed (set setFreshAuthInfo)');
    }
    return { kind: 'code', code: inf.authInfo };
  }

  async clearEppCode(domain: string): Promise<void> {
    domain = normalise(domain);
    await this.ok(domainAuthInfoNullCommand(domain));
    this.logger.info({ domain }, 'EPP auth code unset at the registry');
  }

  async setLock(domain: string, locked: boolean): Promise<void> {
    domain = normalise(domain);
    const inf = await this.ownInfo(domain);
    // Adding a status already present (or removing an absent one) is a 2306 error at most
    // registries, so only the missing change is sent.
    if (inf.statuses.includes(LOCK_STATUS) === locked) return;
    await this.ok(domainStatusUpdateCommand(domain, locked ? 'add' : 'rem', LOCK_STATUS));
  }

  async getLock(domain: string): Promise<boolean> {
    const inf = await this.info(normalise(domain));
    return inf.statuses.includes(LOCK_STATUS);
  }

  async approveTransferOut(domain: string): Promise<void> {
    await this.ok(domainTransferCommand('approve', normalise(domain)));
  }

  async rejectTransferOut(domain: string, reason: string): Promise<void> {
    // EPP carries no reason; it is kept in our log so the refusal can be explained later.
    this.logger.info({ domain, reason }, 'rejecting transfer-out');
    await this.ok(domainTransferCommand('reject', normalise(domain)));
  }

  /**
   * RFC 5731 lets only the requesting client send op="cancel". When we requested the pending
   * transfer we withdraw it; when we are the sponsor, ending a transfer-out is a reject, since
   * a registry would refuse our cancel with 2201.
   */
  async cancelTransferOut(domain: string): Promise<void> {
    domain = normalise(domain);
    const query = await this.ok(domainTransferCommand('query', domain));
    const trn = readTrnData(query.resData);
    if (trn?.trStatus !== 'pending') throw new RegistrarError('not_found', `no pending transfer for ${domain}`, { rawCode: 2301 });
    await this.ok(domainTransferCommand(this.isUs(trn.reID) ? 'cancel' : 'reject', domain));
  }

  /**
   * Returns at most one event: an EPP queue keeps delivering its head until it is acked, and
   * the caller acks only once the event is applied. Non-transfer messages are acked here.
   */
  async poll(): Promise<RegistryTransferEvent[]> {
    for (let skipped = 0; skipped <= MAX_SKIPPED_MESSAGES; skipped++) {
      const response = await this.send(pollRequestCommand());
      if (response.code === 1300) return [];
      if (!isSuccess(response.code)) throw responseError(response);
      const msgID = response.msgQ?.id;
      if (!msgID) throw new RegistrarError('transient', 'poll message without an id', { rawCode: response.code });
      const trn = readTrnData(response.resData);
      if (!trn) {
        this.logger.debug({ msgID, msg: response.msgQ?.msg }, 'skipping non-transfer poll message');
        await this.ack(msgID);
        continue;
      }
      const direction = this.isUs(trn.reID) ? 'in' : 'out';
      return [
        {
          kind: 'transfer',
          domain: trn.name,
          direction,
          status: await this.statusOf(trn.name, trn, undefined, direction === 'out'),
          ack: () => this.ack(msgID),
        },
      ];
    }
    return [];
  }

  async close(): Promise<void> {
    await this.pool.close();
  }

  private async ack(msgID: string): Promise<void> {
    const response = await this.send(pollAckCommand(msgID));
    // 2303: already acknowledged (say, by a run that died before recording it) - the goal holds.
    if (!isSuccess(response.code) && response.code !== 2303) throw responseError(response);
  }

  private async statusOf(domain: string, trn: TransferData, reference?: string, lenientExpiry = false): Promise<TransferStatus> {
    switch (trn.trStatus) {
      case 'pending':
        return { kind: 'pending', reference, requestedAt: trn.reDate, actionDate: trn.acDate };
      case 'clientApproved':
      case 'serverApproved':
        return { kind: 'completed', expiryDate: await this.expiryOf(domain, trn, lenientExpiry) };
      case 'clientRejected':
      case 'clientCancelled':
      case 'serverCancelled':
        return { kind: 'rejected', reason: `transfer ${trn.trStatus} at the registry` };
      default:
        throw new RegistrarError('not_eligible', `unknown transfer status "${trn.trStatus}"`);
    }
  }

  /** trnData's exDate is optional; the domain's own record is the fallback. */
  private async expiryOf(domain: string, trn: TransferData, lenient = false): Promise<Date> {
    if (trn.exDate) return trn.exDate;
    try {
      const inf = await this.info(domain);
      if (inf.exDate) return inf.exDate;
    } catch (error) {
      if (!lenient) throw error;
    }
    if (lenient && trn.acDate) {
      this.logger.warn({ domain }, 'registry gave no expiry date for a completed transfer; using the action date');
      return trn.acDate;
    }
    throw new RegistrarError('transient', 'registry gave no expiry date for the completed transfer');
  }

  private async pendingTransferOut(domain: string): Promise<DomainInfo['pendingTransferOut']> {
    try {
      const response = await this.send(domainTransferCommand('query', domain));
      const trn = isSuccess(response.code) ? readTrnData(response.resData) : undefined;
      if (trn?.trStatus === 'pending' && trn.reDate && trn.acDate) {
        return { gainingRegistrar: trn.reID, requestedAt: trn.reDate, actionDate: trn.acDate };
      }
    } catch (error) {
      this.logger.warn({ domain, err: (error as Error).message }, 'could not query the pending transfer-out');
    }
    return undefined;
  }

  /**
   * 2106/2304/2308 say "no" for a lock and for policy alike; when the message does not name a
   * Prohibited status, the domain's statuses decide.
   */
  private async transferRefusal(domain: string, response: EppResponse): Promise<RegistrarError> {
    const error = responseError(response);
    if (error.code !== 'not_eligible' || ![2106, 2304, 2308].includes(response.code)) return error;
    try {
      const inf = await this.info(domain);
      if (inf.statuses.some((s) => /TransferProhibited$/.test(s))) {
        return new RegistrarError('transfer_prohibited', error.registrarMessage, { rawCode: response.code });
      }
    } catch {
      // The refusal stands on its own; the status look-up was only a refinement.
    }
    return error;
  }

  /**
   * With RFC 8748 announced, the price is asked on the same session before the request and,
   * when within the limit, acknowledged in it. A registry that does not price the name (no
   * quote) gets a plain request: if it wanted an acknowledgement, its refusal says so.
   */
  private async transferFeeExtensions(session: EppSession, domain: string, periodYears: number) {
    if (!session.extURIs.includes(NS.fee)) return [];
    const check = await session.execute(domainCheckCommand(domain, [feeCheckExtension(periodYears)]));
    if (!isSuccess(check.code)) throw responseError(check);
    const quote = readTransferFee(check.extension, domain);
    if (!quote) return [];
    acceptTransferFee(domain, quote, this.config.maxTransferFee);
    this.logger.info({ domain, fee: quote.amount, currency: quote.currency, feeClass: quote.feeClass }, 'transfer fee acknowledged');
    return [feeTransferExtension(quote)];
  }

  private async info(domain: string): Promise<DomainInfoData> {
    const response = await this.ok(domainInfoCommand(domain));
    const inf = readInfData(response.resData, response.extension);
    if (!inf) throw new RegistrarError('transient', 'domain info answered without infData', { rawCode: response.code });
    return inf;
  }

  private async ownInfo(domain: string): Promise<DomainInfoData> {
    const inf = await this.info(domain);
    if (!this.isUs(inf.clID)) throw new RegistrarError('not_eligible', `${domain} is sponsored by another registrar`);
    return inf;
  }

  private isUs(clID: string): boolean {
    return clID.toLowerCase() === this.config.clientId.toLowerCase();
  }

  private send(command: EppCommand): Promise<EppResponse> {
    return this.pool.run((session) => session.execute(command));
  }

  private async ok(command: EppCommand): Promise<EppResponse> {
    const response = await this.send(command);
    if (!isSuccess(response.code)) throw responseError(response);
    return response;
  }
}

function normalise(domain: string): string {
  return domain.trim().toLowerCase().replace(/\.$/, '');
}
