/** Registers every built-in action. Importing this module is enough to make them available. */
import './http_request';
import './log';
import './delay';
import './assert';
import './transform';
import './condition';
import './for_each';
import './parallel';
import './wait_for';
import './wait_until';
import './run_flow';
import './websocket';
import './database_query';
import './kafka_producer';
import './kafka_consumer';
import './kafka_admin';
import './grpc_call';
import './grpc_stream';
import './db_poll';
import './postgresql';
import './redis';
import './mock_server';
import './prometheus';
import './otel';

export { getAction, registeredActions, registerAction } from './registry';
export type { ActionContext, ActionDefinition } from './types';
