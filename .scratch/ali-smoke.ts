import { startAlibabaFixture } from '../test/support/alibaba-cloud/alibaba.fixture.ts';
const f = await startAlibabaFixture();
f.api.state.addOwn('mine.com', { lock: true });
console.log(await f.adapter.getDomainInfo('mine.com'));
await f.adapter.setLock('mine.com', false);
console.log('lock', await f.adapter.getLock('mine.com'));
console.log(f.api.actions(), f.api.refused);
await f.close();
