-- Notify no customer system until someone re-enables the subscription.
UPDATE logistics_customer_webhook
   SET active = false
 WHERE active;
