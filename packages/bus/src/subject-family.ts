/** Which stream a subject belongs to (DESIGN.md section 3); mirrors the JetStream stream subjects. */
export type SubjectFamily = 'events' | 'work' | 'dlq' | 'request' | 'none';

const FAMILY = /^ap\.[^.]+\.(evt|cmd|req)\.[^.]/; // the streams bind ap.*.evt.> and ap.*.cmd.>

export function subjectFamily(subject: string): SubjectFamily {
  if (subject.startsWith('ap.dlq.')) return 'dlq';
  const m = FAMILY.exec(subject);
  if (!m) return 'none';
  return m[1] === 'evt' ? 'events' : m[1] === 'cmd' ? 'work' : 'request';
}

/** The dead-letter subject of a consumer. */
export const deadLetterSubject = (consumer: string): string => `ap.dlq.${consumer}`;
