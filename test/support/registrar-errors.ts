import { expect } from 'vitest';
import { RegistrarError } from '../../registrar-adapters/types.ts';

/** The RegistrarError a promise rejects with; fails the test if it resolves or rejects otherwise. */
export async function rejection(promise: Promise<unknown>): Promise<RegistrarError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(RegistrarError);
  return error as RegistrarError;
}
