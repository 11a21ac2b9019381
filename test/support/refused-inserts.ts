import type { Knex } from 'knex';
import { engineOf } from '../../module/database.ts';

/**
 * Makes the database refuse inserts into `table` (only rows whose `when.column` equals
 * `when.value`, if given) with `message`, as a full disk or a lost connection would mid-write.
 * Returns the function that lifts the refusal.
 */
export async function refuseInserts(knex: Knex, table: string, message: string, when?: { column: string; value: string }): Promise<() => Promise<void>> {
  const trigger = `refuse_${table}`;
  if (engineOf(knex) === 'mysql') {
    const signal = `signal sqlstate '45000' set message_text = '${message}'`;
    const body = when ? `begin if new.${when.column} = ${knex.raw('?', [when.value]).toQuery()} then ${signal}; end if; end` : signal;
    await knex.raw(`create trigger ${trigger} before insert on ${table} for each row ${body}`);
  } else {
    const condition = when ? ` when new.${when.column} = ${knex.raw('?', [when.value]).toQuery()}` : '';
    await knex.raw(`create trigger ${trigger} before insert on ${table}${condition} begin select raise(abort, '${message}'); end`);
  }
  return async () => {
    await knex.raw(`drop trigger ${trigger}`);
  };
}
