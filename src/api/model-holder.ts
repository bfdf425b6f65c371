import type { Enroller } from '../embed/enroller.ts';
import { ApiError } from './api-error.ts';

/** What enrolment needs from the models: the one enrolment path (src/embed/enroller.ts). */
export type PhotoEnroller = Pick<Enroller, 'model' | 'enrolPhoto'>;

export type ModelState =
  | { readonly status: 'loading' }
  | { readonly status: 'ready'; readonly model: string }
  | { readonly status: 'failed'; readonly error: string };

/**
 * Models load in the background so the API answers health checks at once; /readyz reports the
 * state and enrolment answers 503 MODELS_NOT_READY until they are loaded.
 */
export class ModelHolder {
  private current: ModelState = { status: 'loading' };
  private enroller: PhotoEnroller | undefined;

  constructor(loading: PhotoEnroller | Promise<PhotoEnroller>) {
    if (!(loading instanceof Promise)) {
      this.enroller = loading;
      this.current = { status: 'ready', model: loading.model };
      return;
    }
    loading.then(
      (e) => {
        this.enroller = e;
        this.current = { status: 'ready', model: e.model };
      },
      (err: unknown) => {
        this.current = { status: 'failed', error: err instanceof Error ? err.message : String(err) };
      },
    );
  }

  static ready(enroller: PhotoEnroller): ModelHolder {
    return new ModelHolder(enroller);
  }

  state(): ModelState {
    return this.current;
  }

  /** The enroller, or ApiError MODELS_NOT_READY. */
  get(): PhotoEnroller {
    if (!this.enroller) {
      const why =
        this.current.status === 'failed' ? `failed to load: ${this.current.error}` : 'still loading';
      throw new ApiError('MODELS_NOT_READY', `face models are ${why}`);
    }
    return this.enroller;
  }
}
