import { defineEnv } from "worldfarm/sdk";
import { schema } from "./schema.ts";
import { seed } from "./seed/index.ts";
import { EPOCH } from "./tasks/helpers.ts";
import { tasks } from "./tasks/index.ts";
import { tools } from "./tools/index.ts";

export default defineEnv({
  name: "shop",
  description:
    "An online department store in the style of Amazon: browse and search a catalog of about 160 products in 12 categories, read and write reviews, manage a cart, coupons and a wishlist, check out, and track, cancel or return orders, as the signed-in customer Alex Morgan.",
  schema,
  seed,
  tools,
  tasks,
  userId: 1,
  epoch: EPOCH,
});
