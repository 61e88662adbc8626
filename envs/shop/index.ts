import { defineEnv } from "../../workers/env-host/sdk/index.ts";
import { schema } from "./schema.ts";
import { seed } from "./seed/index.ts";
import { EPOCH } from "./tasks/helpers.ts";
import { tasks } from "./tasks/index.ts";
import { accountTools } from "./tools/account.ts";
import { cartTools } from "./tools/cart.ts";
import { catalogTools } from "./tools/catalog.ts";
import { checkoutTools } from "./tools/checkout.ts";
import { couponTools } from "./tools/coupons.ts";
import { orderTools } from "./tools/orders.ts";
import { paymentTools } from "./tools/payments.ts";
import { returnTools } from "./tools/returns.ts";
import { reviewTools } from "./tools/reviews.ts";
import { wishlistTools } from "./tools/wishlist.ts";

export default defineEnv({
  name: "shop",
  description:
    "An online department store in the style of Amazon: browse and search a catalog of about 160 products in 12 categories, read and write reviews, manage a cart, coupons and a wishlist, check out, and track, cancel or return orders, as the signed-in customer Alex Morgan.",
  schema,
  seed,
  tools: {
    ...catalogTools,
    ...reviewTools,
    ...cartTools,
    ...couponTools,
    ...checkoutTools,
    ...orderTools,
    ...returnTools,
    ...accountTools,
    ...paymentTools,
    ...wishlistTools,
  },
  tasks,
  userId: 1,
  epoch: EPOCH,
});
