/**
 * dlib's canonical face chip: the mean 68-point face shape and the landmark subset dlib fits a
 * similarity transform to. The face-api recognition net is a port of dlib's
 * `dlib_face_recognition_resnet_model_v1`, which was trained on chips produced exactly this way
 * (`get_face_chip_details(shape, 150, 0.25)` followed by `extract_image_chip`).
 */

/**
 * Mean face shape for landmarks 17..67 (51 points), in a unit square.
 * Data from dlib, `dlib/image_transforms/interpolation.h` (`mean_face_shape_x` / `mean_face_shape_y`,
 * Boost Software License); numeric constants only, the code around them is our own.
 */
const MEAN_FACE_X: readonly number[] = [
  0.000213256, 0.0752622, 0.18113, 0.29077, 0.393397, 0.586856, 0.689483, 0.799124, 0.904991, 0.98004,
  0.490127, 0.490127, 0.490127, 0.490127, 0.36688, 0.426036, 0.490127, 0.554217, 0.613373, 0.121737, 0.187122,
  0.265825, 0.334606, 0.260918, 0.182743, 0.645647, 0.714428, 0.793132, 0.858516, 0.79751, 0.719335, 0.254149,
  0.340985, 0.428858, 0.490127, 0.551395, 0.639268, 0.726104, 0.642159, 0.556721, 0.490127, 0.423532,
  0.338094, 0.290379, 0.428096, 0.490127, 0.552157, 0.689874, 0.553364, 0.490127, 0.42689,
];
const MEAN_FACE_Y: readonly number[] = [
  0.106454, 0.038915, 0.0187482, 0.0344891, 0.0773906, 0.0773906, 0.0344891, 0.0187482, 0.038915, 0.106454,
  0.203352, 0.307009, 0.409805, 0.515625, 0.587326, 0.609345, 0.628106, 0.609345, 0.587326, 0.216423,
  0.178758, 0.179852, 0.231733, 0.245099, 0.244077, 0.231733, 0.179852, 0.178758, 0.216423, 0.244077,
  0.245099, 0.780233, 0.745405, 0.727388, 0.742578, 0.727388, 0.745405, 0.780233, 0.864805, 0.902192,
  0.909281, 0.902192, 0.864805, 0.784792, 0.778746, 0.785343, 0.778746, 0.784792, 0.824182, 0.831803,
  0.824182,
];

/** First landmark index covered by the mean shape. */
const FIRST = 17;

/**
 * Landmarks dlib uses for the fit: 17..67 minus the eyebrows (17..26) and the lower lip (55..59,
 * 65..67), i.e. nose bridge and tip, both eyes and the upper lip: 33 points.
 */
export const FIT_LANDMARKS: readonly number[] = Array.from(
  { length: 68 - FIRST },
  (_, k) => k + FIRST,
).filter((i) => !(i <= 26 || (i >= 55 && i <= 59) || i >= 65));

/** Chip side and padding of dlib's recognition chips. */
export const DLIB_CHIP_SIZE = 150;
export const DLIB_CHIP_PADDING = 0.25;

/**
 * Where landmark `index` (17..67) of the mean face lands in a `size`-pixel chip with `padding`
 * (fraction of the face's unit square added on each side), in chip pixel coordinates.
 */
export function templatePoint(index: number, size: number, padding: number): [number, number] {
  const k = index - FIRST;
  if (k < 0 || k >= MEAN_FACE_X.length) throw new RangeError(`landmark ${index} has no template position`);
  const denom = 2 * padding + 1;
  return [((padding + MEAN_FACE_X[k]) / denom) * size, ((padding + MEAN_FACE_Y[k]) / denom) * size];
}

/** Template positions of `indices` as interleaved x,y. */
export function templatePoints(indices: readonly number[], size: number, padding: number): Float64Array {
  const out = new Float64Array(indices.length * 2);
  indices.forEach((index, j) => {
    const [x, y] = templatePoint(index, size, padding);
    out[2 * j] = x;
    out[2 * j + 1] = y;
  });
  return out;
}
