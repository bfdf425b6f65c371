import { squareAbout, type Box } from '../image/box.ts';

/**
 * Where the teacher's canonical chip (dlib geometry, see models/teacher/align.ts) lies relative to a
 * tiny-face-detector box, measured on 187 LFW DevTrain faces (scratch calibration: landmark chip vs
 * face-api tiny detector at input 416; medians, IQR in brackets):
 *  - side = 0.977 [0.936, 1.022] × the box's larger side
 *  - centre x = box centre x + 0.007 [−0.046, 0.045] × side   (no systematic shift: 0 is used)
 *  - centre y = box centre y − 0.059 [−0.072, −0.045] × side
 * Cropping this window makes the pipeline's axis-aligned crop reproduce the chip the student is
 * trained on (and the teacher expects) without landmarks, which are unreliable under ~30 px.
 */
export const CHIP_FROM_DETECTOR = Object.freeze({ side: 0.977, dy: -0.059 });

/** The square window around a detector box that matches the canonical chip (plus `margin` per side). */
export function chipWindowFromDetection(box: Box, margin = 0): Box {
  return squareAbout(box, CHIP_FROM_DETECTOR.side, CHIP_FROM_DETECTOR.dy, margin);
}
