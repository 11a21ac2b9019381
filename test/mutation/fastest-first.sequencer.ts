import { BaseSequencer, type TestSpecification } from 'vitest/node';

/**
 * The order Stryker's runs take the test files of one mutant: the file that failed last first
 * (it killed the previous mutant, which usually sits next to this one), then the quickest files.
 * A run stops at its first failing test, so a mutant most tests catch costs the quickest of them;
 * Vitest's own order (slowest first) suits a full run, where every file runs anyway.
 */
export default class FastestFirstSequencer extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const cache = this.ctx.cache;
    const known = (spec: TestSpecification) => {
      const state = cache.getFileTestResults(`${spec.project.name}:${spec.moduleId.slice(this.ctx.config.root.length + 1)}`);
      return { failed: state?.failed ?? false, duration: state?.duration ?? Number.MAX_SAFE_INTEGER };
    };
    return [...files]
      .map((spec) => ({ spec, ...known(spec) }))
      .sort((a, b) => Number(b.failed) - Number(a.failed) || a.duration - b.duration)
      .map(({ spec }) => spec);
  }
}
