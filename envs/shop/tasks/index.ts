import { accountTasks } from "./account.ts";
import { lookupTasks } from "./lookups.ts";
import { orderTasks } from "./orders.ts";
import { shoppingTasks } from "./shopping.ts";

export const tasks = [...lookupTasks, ...accountTasks, ...orderTasks, ...shoppingTasks];
