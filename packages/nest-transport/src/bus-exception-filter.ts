import { Catch, type RpcExceptionFilter } from '@nestjs/common';
import { throwError, type Observable } from 'rxjs';

/**
 * Passes every handler error to `BusServer` unchanged. Nest's default RPC filter replaces any error
 * that is not an `RpcException` with `{ status: 'error', message: 'Internal server error' }`, which
 * loses the class and `code` the bus branches on (`BUS_NON_RETRYABLE` dead-letters at once, anything
 * else is retried). Register it globally before `listen()`: `app.useGlobalFilters(new BusExceptionFilter())`.
 */
@Catch()
export class BusExceptionFilter implements RpcExceptionFilter<unknown> {
  catch(exception: unknown): Observable<never> {
    return throwError(() => exception);
  }
}
