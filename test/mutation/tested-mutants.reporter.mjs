// A Stryker reporter that appends each mutant's result to test-artifacts/mutation/<dir>.tested.jsonl as
// soon as it is known, so survivors can be read (and scores counted) while a long run goes on,
// and a run that is stopped early still leaves what it found.
import fs from 'node:fs';
import path from 'node:path';
import { declareClassPlugin, PluginKind } from '@stryker-mutator/api/plugin';

class TestedMutantsReporter {
  constructor() {
    this.file = process.env.STRYKER_TESTED_FILE || 'test-artifacts/mutation/tested.jsonl';
    fs.mkdirSync(path.dirname(this.file), { recursive: true });
  }

  onMutantTested(result) {
    const { id, fileName, mutatorName, replacement, status, location, killedBy, statusReason } = result;
    const line = { id, file: fileName.replace(`${process.cwd()}/`, ''), line: location.start.line, mutator: mutatorName, replacement, status, killedBy: killedBy?.[0], reason: status === 'Survived' ? undefined : statusReason?.slice(0, 200) };
    fs.appendFileSync(this.file, `${JSON.stringify(line)}\n`);
  }
}

export const strykerPlugins = [declareClassPlugin(PluginKind.Reporter, 'tested-mutants', TestedMutantsReporter)];
