import { pointInPolygon, type Point } from './geometry.js';

export interface ModeConditions {
  minFaces: number;
  minScore: number;
  expressions: readonly string[];
  eyesOpen: boolean;
  zoneNames: readonly string[];
  timeWindows: readonly TimeWindow[];
}

export interface TimeWindow {
  days: readonly string[];
  start: string;
  end: string;
  timeZone: string;
}

export interface AnalysedFace {
  score: number;
  /** Pixels of the analysed image. */
  box: { x: number; y: number; width: number; height: number };
  expression: string;
  eyesOpen: boolean;
}

export interface Analysis {
  width: number;
  height: number;
  faces: readonly AnalysedFace[];
}

export interface Evaluation {
  met: boolean;
  /** Faces meeting every per-face condition. */
  qualifyingFaces: number;
  inTimeWindow: boolean;
}

const WEEKDAYS = ['SUN', 'MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT'];

/** Minutes since midnight and the weekday of `at` in a time zone. */
function localTime(at: Date, timeZone: string): { day: string; minutes: number } {
  const parts = Object.fromEntries(
    new Intl.DateTimeFormat('en-US', { timeZone, weekday: 'short', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' })
      .formatToParts(at)
      .map((p) => [p.type, p.value]),
  );
  return { day: String(parts.weekday).toUpperCase().slice(0, 3), minutes: Number(parts.hour) * 60 + Number(parts.minute) };
}

const toMinutes = (hhmm: string) => Number(hhmm.slice(0, 2)) * 60 + Number(hhmm.slice(3, 5));

export function inTimeWindow(window: TimeWindow, at: Date): boolean {
  const { day, minutes } = localTime(at, window.timeZone);
  const start = toMinutes(window.start);
  const end = toMinutes(window.end);
  if (start <= end) return window.days.includes(day) && minutes >= start && minutes < end;
  // Past midnight: the part after midnight belongs to the day the window started on.
  const yesterday = WEEKDAYS[(WEEKDAYS.indexOf(day) + 6) % 7]!;
  return (window.days.includes(day) && minutes >= start) || (window.days.includes(yesterday) && minutes < end);
}

/**
 * Whether an analysed capture meets a device's mode: enough faces that each have the score, one of
 * the expressions, open eyes and a centre inside one of the named zones (when the mode asks for
 * them), at a time inside one of the mode's windows (when it has any).
 */
export function evaluateModeConditions(
  mode: ModeConditions,
  analysis: Analysis,
  zones: readonly { name: string; polygon: readonly Point[] }[],
  at: Date,
): Evaluation {
  const wantedZones = zones.filter((z) => mode.zoneNames.includes(z.name));
  const qualifies = (face: AnalysedFace) => {
    if (face.score < mode.minScore) return false;
    if (mode.expressions.length > 0 && !mode.expressions.includes(face.expression)) return false;
    if (mode.eyesOpen && !face.eyesOpen) return false;
    if (mode.zoneNames.length > 0) {
      const centre = { x: (face.box.x + face.box.width / 2) / analysis.width, y: (face.box.y + face.box.height / 2) / analysis.height };
      if (!wantedZones.some((zone) => pointInPolygon(centre, zone.polygon))) return false;
    }
    return true;
  };
  const qualifyingFaces = analysis.faces.filter(qualifies).length;
  const inWindow = mode.timeWindows.length === 0 || mode.timeWindows.some((w) => inTimeWindow(w, at));
  return { met: inWindow && qualifyingFaces >= mode.minFaces, qualifyingFaces, inTimeWindow: inWindow };
}
