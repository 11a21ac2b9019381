import type { Logger } from 'pino';
import {
  RegistrarError,
  type DomainInfo,
  type EppCodeResult,
  type PendingTransferOut,
  type RegistrarAdapter,
  type TransferRequest,
  type TransferRequestResult,
  type TransferStatus,
} from '../types.ts';
import type { AlibabaDomainApi, ApiBody } from './alibaba.client.ts';
import { listOf, type AlibabaTasks } from './alibaba.tasks.ts';
import { feasibilityRefusal, parseApiDate, transferInStatus, type TransferInInfo } from './alibaba.status.ts';

/** QueryTransferOutInfo `Status`: 3 code obtained, 4 a registry request received, 5 gone, 8 failed. */
const OUT_CODE_OBTAINED = 3;
const OUT_IN_PROGRESS = 4;
const OUT_SUCCEEDED = 5;
/** Transfer-in states from which nothing more will happen. */
const IN_FINAL = new Set([21, 50, 51, 52, 59]);
const IN_WRONG_CODE = 31;
/** Seed 000: "the domain name is automatically transferred to the new registrar after five to seven days"; the registry acts after five. */
const TRANSFER_OUT_WINDOW_DAYS = 5;

export interface AlibabaAdapterConfig {
  id: string;
  registrantProfileId?: string;
  api: AlibabaDomainApi;
  tasks: AlibabaTasks;
  logger: Logger;
}

/**
 * A domain name account at Alibaba Cloud Domains, through its Domain API (2018-01-29). Every
 * write is a task; before one is submitted again after a failure, the state it would change is
 * read first, so a retry never makes a second task for the same change.
 */
export class AlibabaCloudAdapter implements RegistrarAdapter {
  readonly id: string;
  readonly label = 'Alibaba Cloud Domains';
  private readonly api: AlibabaDomainApi;
  private readonly tasks: AlibabaTasks;

  constructor(private readonly config: AlibabaAdapterConfig) {
    this.id = config.id;
    this.api = config.api;
    this.tasks = config.tasks;
  }

  async transfer(request: TransferRequest): Promise<TransferRequestResult> {
    const domain = normalise(request.domain);
    const existing = await this.transferIn(domain);
    if (existing && Number(existing.Status) === IN_WRONG_CODE) {
      // The registry refused the code of our open transfer: the corrected one goes to it.
      await this.api.call('TransferInReenterTransferAuthorizationCode', { DomainName: domain, TransferAuthorizationCode: request.authCode });
      return { kind: 'pending', reference: existing.InstanceId ?? domain };
    }
    if (existing && !IN_FINAL.has(Number(existing.Status))) return { kind: 'pending', reference: existing.InstanceId ?? domain };
    if (existing && Number(existing.Status) === 59) return { kind: 'completed', reference: existing.InstanceId ?? domain, expiryDate: await this.expiryOf(domain) };

    const feasibility = await this.api.call('CheckTransferInFeasibility', { DomainName: domain, TransferAuthorizationCode: request.authCode });
    if (feasibility.CanTransfer !== true) throw feasibilityRefusal(String(feasibility.Code ?? ''), String(feasibility.Message ?? ''));
    if (!this.config.registrantProfileId) {
      throw new RegistrarError('not_authorized', 'no registrant profile to transfer into: set registrars.<id>.options.registrantProfileId to a verified profile of the Alibaba Cloud account');
    }
    await this.tasks.run('SaveSingleTaskForCreatingOrderTransfer', domain, {
      AuthorizationCode: request.authCode,
      RegistrantProfileId: this.config.registrantProfileId,
      PermitPremiumTransfer: false,
    });
    const created = await this.transferIn(domain);
    return { kind: 'pending', reference: created?.InstanceId ?? domain, actionDate: created ? parseApiDate(created.ExpirationDateLong) : undefined };
  }

  async getTransferStatus(domain: string): Promise<TransferStatus> {
    domain = normalise(domain);
    const info = await this.transferIn(domain);
    if (!info) {
      // No transfer-in on record: the domain being in the account means it arrived.
      const own = await this.ownDomain(domain);
      if (own) return { kind: 'completed', expiryDate: requireDate(own.ExpirationDateLong, 'expiry') };
      throw new RegistrarError('not_found', `no transfer-in of ${domain} in the account`);
    }
    const status = transferInStatus(info);
    if (status.kind === 'completed') return { kind: 'completed', expiryDate: await this.expiryOf(domain) };
    return status;
  }

  async resendTransferEmail(domain: string): Promise<void> {
    await this.api.call('TransferInResendMailToken', { DomainName: normalise(domain) });
  }

  async getDomainInfo(domain: string): Promise<DomainInfo> {
    domain = normalise(domain);
    const own = await this.ownDomain(domain);
    if (!own) {
      // Not in the account: what can be said is whether it could be transferred in.
      const feasibility = await this.api.call('CheckTransferInFeasibility', { DomainName: domain });
      if (feasibility.CanTransfer === true) return { domain, sponsoredByUs: false, registrar: '', statuses: [] };
      const refusal = feasibilityRefusal(String(feasibility.Code ?? ''), String(feasibility.Message ?? ''));
      // A lock at the current registrar is a rule the client can act on.
      if (refusal.code === 'transfer_prohibited') return { domain, sponsoredByUs: false, registrar: '', statuses: ['clientTransferProhibited'] };
      throw refusal;
    }
    const statuses: string[] = [];
    if (own.TransferProhibitionLock === 'OPEN') statuses.push('clientTransferProhibited');
    if (own.UpdateProhibitionLock === 'OPEN') statuses.push('clientUpdateProhibited');
    if (String(own.DomainStatus) === '2') statuses.push('redemptionPeriod');
    const info: DomainInfo = {
      domain,
      sponsoredByUs: true,
      registrar: 'Alibaba Cloud',
      statuses,
      createdAt: parseApiDate(own.RegistrationDateLong),
      expiresAt: parseApiDate(own.ExpirationDateLong),
      registrantEmail: typeof own.Email === 'string' && own.Email ? own.Email : undefined,
    };
    if (domain.endsWith('.hk')) info.manualTransferOut = 'hk_application_form';
    if (own.TransferOutStatus === 'PENDING') {
      statuses.push('pendingTransfer');
      info.pendingTransferOut = await this.pendingTransferOut(domain);
    }
    return info;
  }

  async getEppCode(domain: string): Promise<EppCodeResult> {
    domain = normalise(domain);
    if (domain.endsWith('.hk')) throw new RegistrarError('unsupported', 'Alibaba Cloud moves .hk domains out only through its signed application form, not through the API');
    const task = await this.tasks.run('SaveSingleTaskForQueryingTransferAuthorizationCode', domain, {});
    const code = codeIn(task.TaskResult);
    if (code) return { kind: 'code', code };
    // Seed 000: the transfer key is sent to the registrant email.
    const out = await this.api.call('QueryTransferOutInfo', { DomainName: domain });
    const to = typeof out.Email === 'string' && out.Email ? out.Email : ((await this.ownDomain(domain))?.Email as string | undefined);
    return { kind: 'emailed', to: to || 'the registrant email on record' };
  }

  async setLock(domain: string, locked: boolean): Promise<void> {
    domain = normalise(domain);
    // Read first: a retried call whose task went through has nothing left to do.
    if ((await this.getLock(domain)) === locked) return;
    await this.tasks.run('SaveSingleTaskForTransferProhibitionLock', domain, { Status: locked });
  }

  async getLock(domain: string): Promise<boolean> {
    domain = normalise(domain);
    const own = await this.ownDomain(domain);
    if (!own) throw new RegistrarError('not_found', `${domain} is not in the Alibaba Cloud account`);
    return own.TransferProhibitionLock === 'OPEN';
  }

  async approveTransferOut(domain: string): Promise<void> {
    domain = normalise(domain);
    const status = Number((await this.api.call('QueryTransferOutInfo', { DomainName: domain })).Status);
    if (status === OUT_SUCCEEDED) return;
    if (status !== OUT_IN_PROGRESS) throw new RegistrarError('not_found', `no transfer-out of ${domain} waiting for approval (status ${status})`);
    await this.tasks.run('SaveSingleTaskForApprovingTransferOut', domain, {});
  }

  /** Withdraws our pending transfer-in of `domain`, or cancels its transfer-out (seed 000, "Cancel a transfer-out request"). */
  async cancelTransferOut(domain: string): Promise<void> {
    domain = normalise(domain);
    const incoming = await this.transferIn(domain);
    if (incoming && !IN_FINAL.has(Number(incoming.Status))) {
      await this.tasks.run('SaveSingleTaskForCancelingTransferIn', domain, {});
      return;
    }
    const status = Number((await this.api.call('QueryTransferOutInfo', { DomainName: domain })).Status);
    if (status !== OUT_CODE_OBTAINED && status !== OUT_IN_PROGRESS) {
      throw new RegistrarError('not_found', status === OUT_SUCCEEDED ? `${domain} has already moved to the new registrar; it cannot come back for 60 days` : `no transfer-out of ${domain} to cancel`);
    }
    await this.tasks.run('SaveSingleTaskForCancelingTransferOut', domain, {});
  }

  private async pendingTransferOut(domain: string): Promise<PendingTransferOut | undefined> {
    const out = await this.api.call('QueryTransferOutInfo', { DomainName: domain });
    const requestedAt = parseApiDate(out.PendingRequestDate);
    if (Number(out.Status) !== OUT_IN_PROGRESS || !requestedAt) return undefined;
    // The API does not name the gaining registrar.
    return { gainingRegistrar: 'another registrar', requestedAt, actionDate: new Date(requestedAt.getTime() + TRANSFER_OUT_WINDOW_DAYS * 86_400_000) };
  }

  /** The domain's record in the account, or undefined when it is not there. */
  private async ownDomain(domain: string): Promise<ApiBody | undefined> {
    try {
      const body = await this.api.call('QueryDomainByDomainName', { DomainName: domain });
      return body.DomainName ? body : undefined;
    } catch (error) {
      if (error instanceof RegistrarError && error.code === 'not_found') return undefined;
      throw error;
    }
  }

  /** The newest transfer-in of exactly `domain` (the list matches by prefix). */
  private async transferIn(domain: string): Promise<TransferInInfo | undefined> {
    const page = await this.api.call('QueryTransferInList', { DomainName: domain, PageNum: 1, PageSize: 50 });
    const rows = listOf<TransferInInfo>(page.Data, 'TransferInInfo').filter((row) => row.DomainName?.toLowerCase() === domain);
    return rows.sort((a, b) => Number(b.SubmissionDateLong ?? 0) - Number(a.SubmissionDateLong ?? 0))[0];
  }

  private async expiryOf(domain: string): Promise<Date> {
    const own = await this.ownDomain(domain);
    if (!own) throw new RegistrarError('transient', `${domain} is not in the account yet although its transfer-in succeeded`);
    return requireDate(own.ExpirationDateLong, 'expiry');
  }
}

/** A code in a task's result: `{"TransferAuthorizationCode": "…"}`; anything else means it was emailed. */
function codeIn(result: string | undefined): string | undefined {
  if (!result) return undefined;
  try {
    const parsed = JSON.parse(result) as Record<string, unknown>;
    const code = parsed.TransferAuthorizationCode ?? parsed.AuthorizationCode;
    return typeof code === 'string' && code ? code : undefined;
  } catch {
    return undefined;
  }
}

function requireDate(value: unknown, what: string): Date {
  const date = parseApiDate(value);
  if (!date) throw new RegistrarError('transient', `the Domain API gave no ${what} date`);
  return date;
}

function normalise(domain: string): string {
  return domain.trim().toLowerCase().replace(/\.$/, '');
}
