import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { learningRateAt, type LearningRateScheduleArgs } from './learning-rate-schedule.ts';

const rates = (args: LearningRateScheduleArgs): number[] => Array.from({ length: args.totalSteps }, (_, step) => learningRateAt(step, args));
const close = (actual: number, expected: number, message?: string) => assert.ok(Math.abs(actual - expected) <= 1e-12, `${message ?? ''} ${actual} vs ${expected}`);

describe('learningRateAt', () => {
  it('constant: the base rate at every step, today\'s behaviour', () => {
    assert.deepEqual(new Set(rates({ schedule: 'constant', baseRate: 0.001, totalSteps: 50 })), new Set([0.001]));
  });

  it('warms up linearly over the warm-up steps, then holds (constant) or falls along a cosine to 0 (cosine)', () => {
    const constant = rates({ schedule: 'constant', baseRate: 0.01, totalSteps: 20, warmupSteps: 4 });
    [0.0025, 0.005, 0.0075, 0.01].forEach((rate, i) => close(constant[i] as number, rate, `step ${i}`));
    assert.ok(constant.slice(4).every((rate) => rate === 0.01));

    const cosine = rates({ schedule: 'cosine', baseRate: 0.01, totalSteps: 21, warmupSteps: 4 });
    assert.deepEqual(cosine.slice(0, 4), constant.slice(0, 4));
    close(cosine[4] as number, 0.01, 'peak right after warm-up');
    close(cosine[12] as number, 0.005, 'half way down');
    close(cosine[20] as number, 0, 'the last step');
    for (let i = 5; i < cosine.length; i++) assert.ok((cosine[i] as number) < (cosine[i - 1] as number), `falls at step ${i}`);
  });

  it('one-cycle: rises from base/25 to base (30% of the steps without a warm-up), then falls to base/250000', () => {
    const cycle = rates({ schedule: 'one-cycle', baseRate: 0.025, totalSteps: 101 });
    close(cycle[0] as number, 0.001, 'start');
    close(cycle[30] as number, 0.025, 'peak at 30%');
    close(cycle[100] as number, 0.025 / 250000, 'end');
    for (let i = 1; i <= 30; i++) assert.ok((cycle[i] as number) > (cycle[i - 1] as number), `rises at step ${i}`);
    for (let i = 31; i <= 100; i++) assert.ok((cycle[i] as number) < (cycle[i - 1] as number), `falls at step ${i}`);
    const warm = rates({ schedule: 'one-cycle', baseRate: 0.025, totalSteps: 101, warmupSteps: 10 });
    close(warm[10] as number, 0.025, 'peak after the given warm-up');
  });

  it('is a pure function of the step: steps past the end keep the last rate, bad steps are refused', () => {
    const args: LearningRateScheduleArgs = { schedule: 'cosine', baseRate: 0.01, totalSteps: 10, warmupSteps: 2 };
    assert.equal(learningRateAt(7, args), learningRateAt(7, args));
    assert.equal(learningRateAt(25, args), learningRateAt(9, args));
    assert.throws(() => learningRateAt(-1, args), /step must be an integer/);
    assert.throws(() => learningRateAt(0, { ...args, totalSteps: 0 }), /at least one step/);
    // A warm-up longer than the run only warms up.
    close(learningRateAt(4, { schedule: 'constant', baseRate: 1, totalSteps: 5, warmupSteps: 10 }), 0.5);
  });
});
