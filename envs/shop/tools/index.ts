import { accountTools } from "./account.ts";
import { cartTools } from "./cart.ts";
import { catalogTools } from "./catalog.ts";
import { checkoutTools } from "./checkout.ts";
import { couponTools } from "./coupons.ts";
import { orderTools } from "./orders.ts";
import { paymentTools } from "./payments.ts";
import { returnTools } from "./returns.ts";
import { reviewTools } from "./reviews.ts";
import { wishlistTools } from "./wishlist.ts";

export const tools = {
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
};
