import type { Request } from 'express';
import type { PageKit } from './page-kit.ts';
import type { DeclareRoute } from './declared-routes.ts';
import type { ModuleServices } from '../module-services.ts';
import { AppError, NotFoundError } from '../errors.ts';
import { writeAudit } from '../audit.ts';
import { FaultSpecError, SandboxAdapter, type SandboxFaultSpec } from '../../registrar-adapters/sandbox/index.ts';

/** The operations a fault can target, as the form offers them. */
export const FAULT_OPERATIONS = ['*', 'transfer', 'getTransferStatus', 'getDomainInfo', 'getEppCode', 'setLock', 'getLock', 'cancelTransferOut', 'approveTransferOut', 'rejectTransferOut', 'poll'];

/**
 * Admin → Registrars → Sandbox → Faults: make the sandbox misbehave on purpose (an error code,
 * a late answer, no answer, a lost answer) to see what the module and its workers do. The
 * same faults are set from the command line with `domain-transfers sandbox fault …`.
 */
export function adminSandboxFaultRoutes(on: DeclareRoute, pages: PageKit, services: ModuleServices): void {
  const sandboxOf = (req: Request) => {
    const adapter = services.registrars.all().find((a): a is SandboxAdapter => a instanceof SandboxAdapter && a.id === req.params.adapterId);
    if (!adapter) throw new NotFoundError();
    return adapter;
  };

  on('POST', '/registrars/sandbox/:adapterId/faults', async (req, res) => {
    const adapter = sandboxOf(req);
    const spec = faultFromForm(req.body ?? {});
    try {
      await adapter.registry.addFault(spec);
    } catch (error) {
      // A fault that cannot be set names its field; anything else (the database) is not the form's fault.
      if (error instanceof FaultSpecError) throw new AppError(422, 'registrars:faults.invalid', { detail: error.message });
      throw error;
    }
    await writeAudit(services.knex, { principal: pages.principal(req)!, action: 'sandbox.fault_added', detail: JSON.stringify(spec), req }, services.clock.now());
    res.redirect(303, `${req.baseUrl}/registrars/sandbox?notice=fault-added`);
  });

  on('POST', '/registrars/sandbox/:adapterId/faults/clear', async (req, res) => {
    await sandboxOf(req).registry.clearFaults();
    await writeAudit(services.knex, { principal: pages.principal(req)!, action: 'sandbox.faults_cleared', req }, services.clock.now());
    res.redirect(303, `${req.baseUrl}/registrars/sandbox?notice=faults-cleared`);
  });
}

function text(value: unknown): string | undefined {
  return typeof value === 'string' && value.trim() ? value.trim() : undefined;
}

function whole(value: unknown): number | undefined {
  const t = text(value);
  return t === undefined ? undefined : Number(t);
}

/** The form's fields as a fault; a rate is given in percent. */
export function faultFromForm(body: Record<string, unknown>): SandboxFaultSpec {
  const percent = whole(body.ratePercent);
  return {
    operation: text(body.operation) ?? '*',
    kind: (text(body.kind) ?? 'error') as SandboxFaultSpec['kind'],
    errorCode: text(body.errorCode),
    delayMs: whole(body.delayMs),
    domainPattern: text(body.domainPattern) ?? '*',
    times: whole(body.times),
    rate: percent === undefined ? undefined : percent / 100,
  };
}
