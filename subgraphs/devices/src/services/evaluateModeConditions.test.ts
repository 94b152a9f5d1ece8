import { describe, expect, it } from 'vitest';
import { evaluateModeConditions, inTimeWindow, type ModeConditions } from './evaluateModeConditions.js';
import { polygonProblem } from './geometry.js';

const base: ModeConditions = { minFaces: 1, minScore: 0.8, expressions: [], eyesOpen: false, zoneNames: [], timeWindows: [] };
const face = (overrides: Partial<{ score: number; expression: string; eyesOpen: boolean; x: number; y: number }> = {}) => ({
  score: overrides.score ?? 0.95,
  expression: overrides.expression ?? 'HAPPY',
  eyesOpen: overrides.eyesOpen ?? true,
  box: { x: overrides.x ?? 100, y: overrides.y ?? 100, width: 50, height: 50 },
});
const image = (faces: ReturnType<typeof face>[]) => ({ width: 1000, height: 500, faces });
const at = new Date('2026-11-23T10:30:00Z'); // a Monday

describe('evaluateModeConditions', () => {
  it('needs enough faces over the score', () => {
    expect(evaluateModeConditions(base, image([face({ score: 0.7 })]), [], at).met).toBe(false);
    expect(evaluateModeConditions(base, image([face()]), [], at)).toEqual({ met: true, qualifyingFaces: 1, inTimeWindow: true });
    expect(evaluateModeConditions({ ...base, minFaces: 2 }, image([face(), face({ score: 0.5 })]), [], at).met).toBe(false);
  });

  it('checks expressions and open eyes per face', () => {
    const mode = { ...base, expressions: ['HAPPY', 'SURPRISE'], eyesOpen: true };
    expect(evaluateModeConditions(mode, image([face({ expression: 'SAD' })]), [], at).met).toBe(false);
    expect(evaluateModeConditions(mode, image([face({ eyesOpen: false })]), [], at).met).toBe(false);
    expect(evaluateModeConditions(mode, image([face({ expression: 'SURPRISE' })]), [], at).met).toBe(true);
  });

  it("counts a face only when its centre is inside one of the mode's zones", () => {
    const door = {
      name: 'door',
      polygon: [
        { x: 0, y: 0 },
        { x: 0.5, y: 0 },
        { x: 0.5, y: 1 },
        { x: 0, y: 1 },
      ],
    };
    const mode = { ...base, zoneNames: ['door'] };
    expect(evaluateModeConditions(mode, image([face({ x: 100 })]), [door], at).met).toBe(true);
    expect(evaluateModeConditions(mode, image([face({ x: 800 })]), [door], at).met).toBe(false);
    expect(evaluateModeConditions(mode, image([face({ x: 100 })]), [{ ...door, name: 'window' }], at).met).toBe(false);
  });

  it('respects time windows in their own time zone, past midnight too', () => {
    const office = { days: ['MON'], start: '09:00', end: '17:00', timeZone: 'Europe/London' };
    expect(inTimeWindow(office, at)).toBe(true);
    expect(inTimeWindow({ ...office, timeZone: 'Asia/Tokyo' }, at)).toBe(false); // 19:30 in Tokyo
    const night = { days: ['SUN'], start: '22:00', end: '02:00', timeZone: 'UTC' };
    expect(inTimeWindow(night, new Date('2026-11-23T01:00:00Z'))).toBe(true); // Monday 01:00 belongs to Sunday night
    expect(inTimeWindow(night, new Date('2026-11-23T03:00:00Z'))).toBe(false);
    expect(evaluateModeConditions({ ...base, timeWindows: [{ ...office, days: ['TUE'] }] }, image([face()]), [], at).met).toBe(false);
  });
});

describe('polygonProblem', () => {
  it('accepts a simple polygon in the frame and names what is wrong with others', () => {
    expect(
      polygonProblem([
        { x: 0.1, y: 0.1 },
        { x: 0.9, y: 0.1 },
        { x: 0.5, y: 0.9 },
      ]),
    ).toBeNull();
    expect(
      polygonProblem([
        { x: 0.1, y: 0.1 },
        { x: 0.9, y: 0.1 },
      ]),
    ).toMatch(/at least 3/);
    expect(
      polygonProblem([
        { x: 0.1, y: 0.1 },
        { x: 1.2, y: 0.1 },
        { x: 0.5, y: 0.9 },
      ]),
    ).toMatch(/outside the frame/);
    expect(
      polygonProblem([
        { x: 0, y: 0 },
        { x: 1, y: 1 },
        { x: 1, y: 0 },
        { x: 0, y: 1 },
      ]),
    ).toMatch(/cross/);
    expect(
      polygonProblem([
        { x: 0, y: 0 },
        { x: 0.5, y: 0.5 },
        { x: 1, y: 1 },
      ]),
    ).toMatch(/no area/);
  });
});
