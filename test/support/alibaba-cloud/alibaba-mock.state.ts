/**
 * The account and the registry behind the local Domain API: domains in the account, domains
 * elsewhere (with their codes), transfer-ins, transfer-outs and tasks. Answers use the
 * documented JSON shapes of the Domain API (2018-01-29).
 */

const DAY = 86_400_000;

export interface OwnDomain {
  name: string;
  registeredAt: number;
  expiresAt: number;
  lock: boolean;
  email: string;
  /** DomainStatus: '2' is "needs redemption". */
  domainStatus?: string;
  /** QueryTransferOutInfo Status: 3 code obtained, 4 request received, 5 gone, 8 failed. */
  transferOut?: { status: number; requestedAt?: number };
}

export interface ForeignDomain {
  name: string;
  code: string;
  /** CheckTransferInFeasibility's Code when it cannot come. */
  refusal?: string;
  premium?: boolean;
}

export interface TransferIn {
  name: string;
  instanceId: string;
  status: number;
  needMailCheck: boolean;
  code: string;
  submittedAt: number;
  resultCode?: string;
  resultMsg?: string;
  mailsSent: number;
}

export interface Task {
  taskNo: string;
  action: string;
  domain: string;
  /** QueryTaskDetailList calls still answered with EXECUTING; -1 never finishes. */
  pollsLeft: number;
  failure?: string;
  result?: string;
  apply: () => void;
}

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

export class AlibabaMockState {
  readonly own = new Map<string, OwnDomain>();
  readonly foreign = new Map<string, ForeignDomain>();
  readonly transfersIn: TransferIn[] = [];
  readonly tasks = new Map<string, Task>();
  /** Tasks to make slow or failing: by action, how many polls before they finish (-1 never), and a failure message. */
  readonly taskPlans = new Map<string, { polls?: number; failure?: string; result?: string }>();
  private nextId = 1;

  constructor(readonly now: () => number = Date.now) {}

  addOwn(name: string, fields: Partial<OwnDomain> = {}): OwnDomain {
    const domain: OwnDomain = { name, registeredAt: this.now() - 400 * DAY, expiresAt: this.now() + 200 * DAY, lock: false, email: 'owner@example.com', ...fields };
    this.own.set(name, domain);
    return domain;
  }

  addForeign(name: string, fields: Partial<ForeignDomain> = {}): ForeignDomain {
    const domain: ForeignDomain = { name, code: 'Right-Code-1', ...fields };
    this.foreign.set(name, domain);
    return domain;
  }

  /** Moves a transfer-in along, as the registry and the registrant would; at 59 the domain is in the account. */
  advanceTransferIn(name: string, status: number, result?: { code?: string; msg?: string }): void {
    const transfer = this.latestTransferIn(name);
    if (!transfer) throw new Error(`no transfer-in of ${name}`);
    transfer.status = status;
    transfer.resultCode = result?.code;
    transfer.resultMsg = result?.msg;
    if (status === 59) {
      this.foreign.delete(name);
      this.addOwn(name, { registeredAt: this.now() - 400 * DAY, expiresAt: this.now() + 565 * DAY });
    }
  }

  latestTransferIn(name: string): TransferIn | undefined {
    return this.transfersIn.filter((t) => t.name === name).at(-1);
  }

  handle(action: string, p: URLSearchParams): Record<string, unknown> {
    const domain = () => {
      const name = p.get('DomainName');
      if (!name) throw new ApiError(400, 'MissingDomainName', 'DomainName is mandatory for this action.');
      if (!/^[a-z0-9.-]+\.[a-z]{2,}$/.test(name)) throw new ApiError(400, 'InvalidDomainName', `The domain name ${name} is invalid.`);
      return name;
    };
    const ownDomain = () => {
      const found = this.own.get(domain());
      if (!found) throw new ApiError(400, 'DomainNotExist', 'The domain name does not exist in your account.');
      return found;
    };
    switch (action) {
      case 'QueryDomainByDomainName': {
        const d = ownDomain();
        return {
          DomainName: d.name,
          InstanceId: `S${d.name.length}${d.registeredAt}`,
          RegistrationDateLong: d.registeredAt,
          ExpirationDateLong: d.expiresAt,
          RegistrationDate: cst(d.registeredAt),
          ExpirationDate: cst(d.expiresAt),
          Email: d.email,
          TransferProhibitionLock: d.lock ? 'OPEN' : 'CLOSE',
          UpdateProhibitionLock: 'CLOSE',
          TransferOutStatus: d.transferOut?.status === 4 ? 'PENDING' : 'NORMAL',
          DomainStatus: d.domainStatus ?? '3',
          DnsList: { Dns: ['dns1.hichina.com', 'dns2.hichina.com'] },
        };
      }
      case 'CheckTransferInFeasibility': {
        const name = domain();
        const f = this.foreign.get(name);
        if (this.own.has(name)) return { CanTransfer: false, Code: 'CheckTransferResult.DomainAlreadyInAccount', Message: 'The domain name is already in your account.' };
        if (!f) return { CanTransfer: false, Code: 'CheckTransferResult.DomainNotExist', Message: 'The domain name is not registered.' };
        if (f.refusal) return { CanTransfer: false, Code: f.refusal, Message: `Refused: ${f.refusal}` };
        const code = p.get('TransferAuthorizationCode');
        if (code !== null && code !== f.code) return { CanTransfer: false, Code: 'CheckTransferResult.PasswordError', Message: 'The transfer authorization code is incorrect.' };
        return { CanTransfer: true };
      }
      case 'SaveSingleTaskForCreatingOrderTransfer': {
        const name = domain();
        const code = required(p, 'AuthorizationCode');
        required(p, 'RegistrantProfileId');
        const f = this.foreign.get(name);
        const failure = f?.premium && p.get('PermitPremiumTransfer') !== 'true' ? 'The domain name is a premium domain name; premium transfer is not permitted.' : undefined;
        const created = this.task(action, name, () => undefined, failure);
        // The transfer-in is on record from the moment the order is accepted, before its task ends.
        if (!failure) this.transfersIn.push({ name, instanceId: `S2026${String(this.nextId++).padStart(6, '0')}`, status: 11, needMailCheck: true, code, submittedAt: this.now(), mailsSent: 1 });
        return created;
      }
      case 'QueryTransferInList': {
        const prefix = p.get('DomainName') ?? '';
        const rows = this.transfersIn.filter((t) => t.name.startsWith(prefix)).map((t) => ({
          DomainName: t.name,
          InstanceId: t.instanceId,
          Status: t.status,
          SimpleTransferInStatus: t.status === 59 ? 'SUCCESS' : t.status >= 50 ? 'FAIL' : 'PENDING',
          NeedMailCheck: t.needMailCheck,
          Email: 'owner@example.net',
          ResultCode: t.resultCode,
          ResultMsg: t.resultMsg,
          SubmissionDateLong: t.submittedAt,
          ExpirationDateLong: t.submittedAt + 15 * DAY,
        }));
        return { CurrentPageNum: 1, TotalPageNum: 1, TotalItemNum: rows.length, PageSize: Number(p.get('PageSize') ?? 20), Data: { TransferInInfo: rows } };
      }
      case 'TransferInReenterTransferAuthorizationCode': {
        const name = domain();
        const transfer = this.latestTransferIn(name);
        if (!transfer || transfer.status !== 31) throw new ApiError(400, 'DomainTransferPendingNotExist', 'No transfer-in waits for a code.');
        transfer.code = required(p, 'TransferAuthorizationCode');
        transfer.status = 39;
        return {};
      }
      case 'TransferInResendMailToken': {
        const transfer = this.latestTransferIn(domain());
        if (!transfer || transfer.status !== 11) throw new ApiError(400, 'DomainTransferPendingNotExist', 'No transfer-in waits for the email.');
        transfer.mailsSent++;
        return {};
      }
      case 'SaveSingleTaskForCancelingTransferIn': {
        const name = domain();
        return this.task(action, name, () => this.advanceTransferIn(name, 50, { code: 'clientCancelled', msg: 'You cancelled the transfer-in.' }));
      }
      case 'QueryTransferOutInfo': {
        const d = ownDomain();
        if (!d.transferOut) throw new ApiError(400, 'DomainTransferPendingNotExist', 'There is no transfer-out of this domain name.');
        return {
          Status: d.transferOut.status,
          Email: d.email,
          ...(d.transferOut.requestedAt ? { PendingRequestDate: cst(d.transferOut.requestedAt) } : {}),
          ExpirationDate: cst(this.now() + 15 * DAY),
        };
      }
      case 'SaveSingleTaskForQueryingTransferAuthorizationCode': {
        const d = ownDomain();
        return this.task(action, d.name, () => (d.transferOut = { status: 3 }));
      }
      case 'SaveSingleTaskForApprovingTransferOut': {
        const d = ownDomain();
        // Approved: the domain leaves the account for the gaining registrar.
        return this.task(action, d.name, () => {
          d.transferOut = { status: 5 };
          this.own.delete(d.name);
          this.addForeign(d.name, { code: 'At-The-New-Registrar-1' });
        });
      }
      case 'SaveSingleTaskForCancelingTransferOut': {
        const d = ownDomain();
        return this.task(action, d.name, () => (d.transferOut = undefined));
      }
      case 'SaveSingleTaskForTransferProhibitionLock': {
        const d = ownDomain();
        const status = required(p, 'Status');
        return this.task(action, d.name, () => (d.lock = status === 'true'));
      }
      case 'QueryTaskDetailList': {
        const task = this.tasks.get(required(p, 'TaskNo'));
        if (!task) return { CurrentPageNum: 1, TotalItemNum: 0, Data: { TaskDetail: [] } };
        if (task.pollsLeft !== 0) {
          if (task.pollsLeft > 0) task.pollsLeft--;
          return page({ TaskNo: task.taskNo, DomainName: task.domain, TaskStatus: 'EXECUTING', TaskStatusCode: 1 });
        }
        task.apply();
        task.apply = () => undefined;
        return page({ TaskNo: task.taskNo, DomainName: task.domain, TaskStatus: task.failure ? 'EXECUTE_FAILURE' : 'EXECUTE_SUCCESS', TaskStatusCode: task.failure ? 3 : 2, ErrorMsg: task.failure ?? 'The operation is successful.', TaskResult: task.result });
      }
      default:
        throw new ApiError(404, 'InvalidAction.NotFound', `Specified api is not found, please check your url and method.`);
    }
  }

  /** A task's effect happens when it is first seen finished, as a registry's work would. */
  private task(action: string, domain: string, apply: () => void, failure?: string): Record<string, unknown> {
    if ([...this.tasks.values()].some((t) => t.domain === domain && t.action === action && t.pollsLeft !== 0)) {
      throw new ApiError(400, 'TaskIsBeingProcessed', 'A task for this domain name is being processed.');
    }
    const plan = this.taskPlans.get(action) ?? {};
    const taskNo = `${(this.nextId++).toString(16).padStart(8, '0')}-task-${action.length}`;
    const task: Task = { taskNo, action, domain, pollsLeft: plan.polls ?? 1, failure: failure ?? plan.failure, result: plan.result, apply: () => undefined };
    // The change is made when the task is first seen finished; a failed task changes nothing.
    if (!task.failure) task.apply = apply;
    this.tasks.set(taskNo, task);
    return { TaskNo: taskNo };
  }
}

function required(p: URLSearchParams, name: string): string {
  const value = p.get(name);
  if (value === null || value === '') throw new ApiError(400, `Missing${name}`, `${name} is mandatory for this action.`);
  return value;
}

const page = (detail: Record<string, unknown>) => ({ CurrentPageNum: 1, TotalPageNum: 1, TotalItemNum: 1, PageSize: 20, Data: { TaskDetail: [detail] } });

/** `YYYY-MM-DD HH:mm:ss` in China Standard Time, as the API writes dates. */
function cst(ms: number): string {
  return new Date(ms + 8 * 3_600_000).toISOString().slice(0, 19).replace('T', ' ');
}
