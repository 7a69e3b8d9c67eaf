import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import { describe, it } from 'node:test';
import { listenForStopSignals } from './stop-signals.ts';

/** A stand-in for `process`: signals are emitted by hand, exits recorded. */
function fakeProcess(): { target: Pick<NodeJS.Process, 'on' | 'exit'>; emit: (signal: string) => void; exits: number[] } {
  const emitter = new EventEmitter();
  const exits: number[] = [];
  const target = {
    on: (event: string, listener: () => void) => emitter.on(event, listener),
    exit: (code?: number) => {
      exits.push(code ?? 0);
    },
  } as unknown as Pick<NodeJS.Process, 'on' | 'exit'>;
  return { target, emit: (signal) => emitter.emit(signal), exits };
}

describe('listenForStopSignals', () => {
  it('a command that did not take over exits at once: 143 on SIGTERM, 130 on SIGINT', () => {
    const term = fakeProcess();
    listenForStopSignals(term.target);
    term.emit('SIGTERM');
    assert.deepEqual(term.exits, [143]);
    const int = fakeProcess();
    listenForStopSignals(int.target);
    int.emit('SIGINT');
    assert.deepEqual(int.exits, [130]);
  });

  it('once taken over, the first signal aborts with its name and resolves stopped; the second runs the forced-exit hooks and exits', async () => {
    const fake = fakeProcess();
    const signals = listenForStopSignals(fake.target);
    const control = signals.takeOver();
    const killed: string[] = [];
    control.onForcedExit(() => killed.push('workers'));
    const removed = control.onForcedExit(() => killed.push('removed'));
    removed();
    fake.emit('SIGTERM');
    await signals.stopped;
    assert.equal(control.signal.aborted, true);
    assert.equal(control.signal.reason, 'SIGTERM');
    assert.deepEqual(fake.exits, [], 'the command stops by itself');
    fake.emit('SIGINT');
    assert.deepEqual(killed, ['workers']);
    assert.deepEqual(fake.exits, [130]);
  });
});
