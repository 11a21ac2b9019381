import type { Logger } from 'pino';
import {
  RegistrarError,
  type AdapterFactoryContext,
  type DomainInfo,
  type EppCodeResult,
  type RegistrarAdapter,
  type TransferRequest,
  type TransferRequestResult,
  type TransferStatus,
} from '../types.ts';
import { eppCodeInstructions, lockInstructions, transferInstructions, type ManualOptions } from './manual.instructions.ts';
import { taskIdFromReference } from './manual.model.ts';
import { ManualTaskService } from './manual.task-service.ts';

/**
 * "Staff do it by hand": every operation opens a task with instructions, and results come
 * from what staff record when they complete it. Offers no optional capabilities: transfer-out
 * approvals happen at the registrar, outside the module.
 */
export class ManualAdapter implements RegistrarAdapter {
  readonly label: string;
  readonly tasks: ManualTaskService;
  private readonly logger: Logger;
  private readonly registrarId: string;

  constructor(
    readonly id: string,
    readonly options: ManualOptions,
    context: AdapterFactoryContext,
  ) {
    this.label = `Manual (${options.registrarName})`;
    this.tasks = new ManualTaskService(context.knex, context.clock, context.secrets);
    this.logger = context.logger;
    this.registrarId = context.registrarId;
  }

  async transfer(request: TransferRequest): Promise<TransferRequestResult> {
    const domain = request.domain.toLowerCase();
    if (!request.authCode.trim()) throw new RegistrarError('auth_code_invalid', `No auth code was given for ${domain}.`);
    const periodYears = request.periodYears ?? 1;
    const { task, created } = await this.tasks.openTask({
      adapterId: this.id,
      domain,
      operation: 'transfer',
      instructions: transferInstructions(this.options, domain, request.contacts, periodYears),
      details: { contacts: request.contacts, periodYears },
      authCode: request.authCode,
    });
    if (!created) {
      throw new RegistrarError('already_pending', `A transfer of ${domain} is already waiting for staff (${task.reference}, opened ${task.createdAt.toISOString().slice(0, 10)}).`);
    }
    this.logger.info({ domain, reference: task.reference }, 'manual registrar: transfer task opened for staff');
    return { kind: 'pending', reference: task.reference };
  }

  async getTransferStatus(domain: string, reference?: string): Promise<TransferStatus> {
    const name = domain.toLowerCase();
    const task = await this.tasks.latestTask(this.id, name, 'transfer', taskIdFromReference(reference));
    if (!task) throw new RegistrarError('not_found', `No transfer task for ${name} exists at ${this.options.registrarName}.`);
    if (task.status === 'open') return { kind: 'pending', reference: task.reference, requestedAt: task.createdAt };
    if (task.outcome?.kind === 'completed') return { kind: 'completed', expiryDate: task.outcome.expiryDate! };
    return { kind: 'rejected', reason: task.outcome?.reason ?? `Staff closed ${task.reference} without a reason.` };
  }

  /** The facts staff last recorded; none recorded means "unknown", which callers skip. */
  async getDomainInfo(domain: string): Promise<DomainInfo> {
    const name = domain.toLowerCase();
    const facts = await this.tasks.getFacts(this.id, name);
    if (!facts) {
      throw new RegistrarError('unsupported', `Staff have recorded no facts about ${name} at ${this.options.registrarName}; its registry data is unknown.`);
    }
    const statuses = facts.statuses ?? (facts.locked ? ['clientTransferProhibited'] : ['ok']);
    return {
      domain: name,
      sponsoredByUs: facts.sponsoredByUs ?? false,
      registrar: facts.registrar ?? (facts.sponsoredByUs ? this.registrarId : 'unknown'),
      statuses,
      createdAt: facts.createdAt ?? undefined,
      expiresAt: facts.expiresAt ?? undefined,
      lastTransferredAt: facts.lastTransferredAt ?? undefined,
      lastRenewedAt: facts.lastRenewedAt ?? undefined,
      registrantEmail: facts.registrantEmail ?? undefined,
    };
  }

  /** Staff send the code to the registrant; the module never sees it. */
  async getEppCode(domain: string): Promise<EppCodeResult> {
    const name = domain.toLowerCase();
    const email = (await this.tasks.getFacts(this.id, name))?.registrantEmail ?? null;
    const { task } = await this.tasks.openTask({ adapterId: this.id, domain: name, operation: 'eppCode', instructions: eppCodeInstructions(this.options, name, email) });
    this.logger.info({ domain: name, reference: task.reference }, 'manual registrar: EPP code task opened for staff');
    return { kind: 'emailed', to: email ?? `the registrant email address on record at ${this.options.registrarName}` };
  }

  /**
   * Opens (or re-points) a lock task. Nothing changes until staff confirm it: getLock reports
   * the last state staff confirmed, never a requested one, so a client is not told a domain is
   * unlocked before it is.
   */
  async setLock(domain: string, locked: boolean): Promise<void> {
    const name = domain.toLowerCase();
    const instructions = lockInstructions(this.options, name, locked);
    const open = await this.tasks.findOpenTask(this.id, name, 'lock');
    if (open) {
      await this.tasks.updateOpenTask(open.id, { instructions, requestedLock: locked });
      return;
    }
    const confirmed = (await this.tasks.getFacts(this.id, name))?.locked;
    if (confirmed === locked) return;
    const { task, created } = await this.tasks.openTask({ adapterId: this.id, domain: name, operation: 'lock', instructions, requestedLock: locked });
    if (!created) await this.tasks.updateOpenTask(task.id, { instructions, requestedLock: locked });
    this.logger.info({ domain: name, locked, reference: task.reference }, 'manual registrar: lock task opened for staff');
  }

  async getLock(domain: string): Promise<boolean> {
    const name = domain.toLowerCase();
    const locked = (await this.tasks.getFacts(this.id, name))?.locked;
    if (locked === null || locked === undefined) {
      throw new RegistrarError('unsupported', `Staff have not confirmed the transfer lock state of ${name} at ${this.options.registrarName} yet.`);
    }
    return locked;
  }
}
