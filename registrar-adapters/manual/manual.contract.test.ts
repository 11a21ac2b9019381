import { describeAdapterContract } from '../../testing/adapter-contract.ts';
import { useMigratedDatabase } from '../../test/support/test-database.ts';
import { createManual } from './manual.test-support.ts';

const db = useMigratedDatabase();
const YEAR = 365 * 24 * 60 * 60 * 1000;

/** What staff would find at the registrar for each staged domain. */
const REGISTRAR_ANSWERS: Record<string, string> = {
  'manual-wrong-code.com': 'The registrar says the EPP code is not valid.',
  'manual-locked.com': 'The registrar says the domain is locked at the losing registrar.',
  'manual-missing.com': 'The registrar says this domain does not exist.',
};

describeAdapterContract('manual', async () => {
  const { adapter, tasks, clock } = await createManual(db.knex, { registrarName: 'Example Registrar', controlPanelUrl: 'https://panel.example.net' });
  await tasks.recordFacts('manual-reg', 'manual-ours.com', { sponsoredByUs: true, locked: false, registrantEmail: 'owner@manual-ours.com' }, 'setup');

  const openTransferTask = async (domain: string) => {
    const task = (await tasks.listTasks({ status: 'open', domain, operation: 'transfer' }))[0];
    if (!task) throw new Error(`no open transfer task for ${domain}`);
    return task;
  };

  return {
    adapter,
    transferable: { domain: 'manual-transferable.com', authCode: 'Manual-Code-0001' },
    locked: { domain: 'manual-locked.com', authCode: 'Manual-Code-0002' },
    wrongCode: { domain: 'manual-wrong-code.com' },
    notFound: 'manual-missing.com',
    ours: 'manual-ours.com',
    clock,
    async approvePendingTransferIn(domain) {
      const task = await openTransferTask(domain);
      await tasks.completeTask(task.id, { kind: 'completed', expiryDate: new Date(clock.now().getTime() + YEAR) }, 'staff:alice');
    },
    async rejectPendingTransferIn(domain, reason) {
      const task = await openTransferTask(domain);
      await tasks.completeTask(task.id, { kind: 'rejected', reason }, 'staff:alice');
    },
    async settle() {
      for (const task of await tasks.listTasks({ status: 'open' })) {
        if (task.operation === 'transfer') {
          const answer = REGISTRAR_ANSWERS[task.domain];
          if (answer) await tasks.completeTask(task.id, { kind: 'rejected', reason: answer }, 'staff:bob');
        } else if (task.operation === 'eppCode') {
          await tasks.completeTask(task.id, { kind: 'done', emailedTo: 'owner@manual-ours.com' }, 'staff:bob');
        } else {
          await tasks.completeTask(task.id, { kind: 'done' }, 'staff:bob');
        }
      }
    },
    async teardown() {},
  };
}, { transferOutActions: false });
