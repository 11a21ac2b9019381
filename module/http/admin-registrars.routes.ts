import type { Request, Response } from 'express';
import type { PageKit } from './page-kit.ts';
import type { DeclareRoute } from './declared-routes.ts';
import type { ModuleServices } from '../module-services.ts';
import { AppError, InputError, NotFoundError } from '../errors.ts';
import { writeAudit } from '../audit.ts';
import { SandboxAdapter, SANDBOX_FAULT_KINDS } from '../../registrar-adapters/sandbox/index.ts';
import { REGISTRAR_ERROR_CODES } from '../../registrar-adapters/registrar-error.ts';
import { FAULT_OPERATIONS } from './admin-sandbox-faults.routes.ts';
import { ManualAdapter, ManualTaskError, type ManualTaskOutcome } from '../../registrar-adapters/manual/index.ts';
import { isRegistrarError } from '../../registrar-adapters/types.ts';
import { domainParam } from './domain-page.ts';

const SANDBOX_ACTIONS = ['approve', 'reject', 'transfer-away', 'request-transfer-out'] as const;
const FAULT_NOTICES = ['fault-added', 'faults-cleared'] as const;

/** Admin pages for registrars that need a person: the sandbox's demo buttons and manual tasks. */
export function adminRegistrarRoutes(on: DeclareRoute, pages: PageKit, services: ModuleServices): void {
  const sandboxes = () => services.registrars.all().filter((a): a is SandboxAdapter => a instanceof SandboxAdapter);
  const manuals = () => services.registrars.all().filter((a): a is ManualAdapter => a instanceof ManualAdapter);
  const admin = (req: Request) => pages.principal(req)!;
  const now = () => services.clock.now();

  const renderSandbox = async (req: Request, res: Response, extra: { refused?: string } = {}, status = 200) => {
    const registries = await Promise.all(
      sandboxes().map(async (adapter) => ({
        id: adapter.id,
        labelKey: 'registrars:sandbox.default_label',
        domains: await adapter.registry.listDomains({ limit: 200 }),
        faults: await adapter.registry.listFaults(),
      })),
    );
    const notice = [...SANDBOX_ACTIONS, ...FAULT_NOTICES].find((a) => a === req.query.notice);
    const faultForm = { operations: FAULT_OPERATIONS, kinds: SANDBOX_FAULT_KINDS, errorCodes: REGISTRAR_ERROR_CODES };
    pages.render(req, res, 'admin/sandbox', { titleKey: 'registrars:sandbox.title', pagePath: `${req.baseUrl}/registrars/sandbox`, registries, notice, faultForm, ...extra }, status);
  };

  on('GET', '/registrars/sandbox', (req, res) => renderSandbox(req, res));

  on('POST', '/registrars/sandbox/:adapterId/domains/:domain/:action', async (req, res) => {
    const adapter = sandboxes().find((a) => a.id === req.params.adapterId);
    const action = SANDBOX_ACTIONS.find((a) => a === req.params.action);
    if (!adapter || !action) throw new NotFoundError();
    const domain = domainParam(req);
    const reason = typeof req.body?.reason === 'string' && req.body.reason.trim() ? req.body.reason.trim().slice(0, 500) : 'rejected by the losing registrar (sandbox demo)';
    try {
      if (action === 'approve') await adapter.registry.approvePendingTransfer(domain);
      if (action === 'reject') await adapter.registry.rejectPendingTransfer(domain, reason);
      if (action === 'transfer-away') await adapter.registry.simulateTransferAway(domain);
      if (action === 'request-transfer-out') await adapter.registry.requestTransferOut(domain, 'other-registrar');
    } catch (error) {
      // The refusal is shown on the sandbox page itself, with the registry's own words.
      if (isRegistrarError(error)) return renderSandbox(req, res, { refused: pages.t(req)('registrars:sandbox.refused', { message: error.registrarMessage }) }, 409);
      throw error;
    }
    await writeAudit(services.knex, { principal: admin(req), action: `sandbox.${action}`, domain, req }, now());
    res.redirect(303, `${req.baseUrl}/registrars/sandbox?notice=${action}`);
  });

  on('GET', '/registrars/manual-tasks', async (req, res) => {
    const adapter = manuals()[0];
    const status = req.query.status === 'done' ? 'done' : 'open';
    const tasks = adapter ? await adapter.tasks.listTasks({ status, limit: 200 }) : [];
    pages.render(req, res, 'admin/manual-tasks', { titleKey: 'registrars:manual.title', configured: Boolean(adapter), tasks, status, notice: req.query.notice });
  });

  on('GET', '/registrars/manual-tasks/:id', async (req, res) => {
    const adapter = manuals()[0];
    const task = adapter ? await adapter.tasks.getTask(taskId(req)) : null;
    if (!task) throw new NotFoundError();
    pages.render(req, res, 'admin/manual-task', { titleKey: 'registrars:manual.task_title', titleParams: { id: task.id }, task });
  });

  /** Shows the sealed EPP code to the staff member about to type it at the registrar; audited. */
  on('POST', '/registrars/manual-tasks/:id/reveal', async (req, res) => {
    const adapter = manuals()[0];
    const principal = admin(req);
    const actor = principal.kind === 'admin' ? `admin:${principal.adminId}` : 'admin';
    const task = adapter ? await adapter.tasks.getTask(taskId(req), { revealSecret: true, actor }) : null;
    if (!task) throw new NotFoundError();
    await writeAudit(services.knex, { principal, action: 'manual_task.reveal_code', domain: task.domain, detail: `task ${task.id}`, req }, now());
    res.setHeader('Cache-Control', 'no-store');
    pages.render(req, res, 'admin/manual-task', { titleKey: 'registrars:manual.task_title', titleParams: { id: task.id }, task, revealed: task.authCode });
  });

  on('POST', '/registrars/manual-tasks/:id/complete', async (req, res) => {
    const adapter = manuals()[0];
    if (!adapter) throw new NotFoundError();
    const principal = admin(req);
    const id = taskId(req);
    try {
      const task = await adapter.tasks.completeTask(id, outcomeFromForm(req.body ?? {}), principal.kind === 'admin' ? `admin:${principal.adminId}` : 'admin');
      await writeAudit(services.knex, { principal, action: 'manual_task.complete', domain: task.domain, detail: `task ${id}: ${task.outcome?.kind}`, req }, now());
    } catch (error) {
      if (error instanceof ManualTaskError) throw new AppError(error.status === 400 ? 422 : error.status, `registrars:manual.errors.${error.code}`, { detail: error.message });
      throw error;
    }
    res.redirect(303, `${req.baseUrl}/registrars/manual-tasks?notice=completed`);
  });
}

function taskId(req: Request): number {
  const id = Number(req.params.id);
  if (!Number.isSafeInteger(id) || id <= 0) throw new NotFoundError();
  return id;
}

function outcomeFromForm(body: Record<string, unknown>): ManualTaskOutcome {
  const kind = body.outcome;
  if (kind === 'completed') {
    const expiry = typeof body.expiryDate === 'string' && /^\d{4}-\d{2}-\d{2}$/.test(body.expiryDate) ? new Date(`${body.expiryDate}T00:00:00Z`) : null;
    if (!expiry || Number.isNaN(expiry.getTime())) throw new InputError('registrars:manual.errors.expiry_required', {}, 'expiryDate');
    return { kind, expiryDate: expiry };
  }
  if (kind === 'rejected') return { kind, reason: typeof body.reason === 'string' ? body.reason.slice(0, 1000) : '' };
  if (kind === 'done') return { kind, emailedTo: typeof body.emailedTo === 'string' && body.emailedTo.trim() ? body.emailedTo.trim().slice(0, 254) : undefined };
  throw new InputError('registrars:manual.errors.outcome_required', {}, 'outcome');
}
