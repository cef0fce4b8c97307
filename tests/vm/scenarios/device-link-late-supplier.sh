# device-link-late-supplier -- a consumer held back by a managed device link
# until its supplier binds (issue 13 item 3).
#
# reprobe_link adds devices reprobe-link-supplier and reprobe-link-consumer,
# device_link_add(consumer, supplier, DL_FLAG_AUTOPROBE_CONSUMER), and the
# consumer's driver: its probe stops in device_links_check_suppliers() (the
# driver's probe never runs) and returns -EPROBE_DEFER.  500 ms later
# reprobe_link_supplier registers the supplier's driver: the supplier binds,
# device_links_driver_bound() adds the consumer to the deferred list, the bind's
# trigger retries it and it binds.
#
# Expected real outcome (6.1): both bound, nothing deferred.
#@append deferred_probe_timeout=1
#@preload snd-soc-core
#@settle 1
#@target reprobe-link-consumer
#@expect bound:reprobe-link-consumer bound:reprobe-link-supplier !deferred:reprobe-link-consumer
#@expect dmesg:platform reprobe-link-consumer: Retrying from deferred list
# The recorder's device_link event (fexit device_link_add) carries the link:
# consumer, supplier, flags 0x60 (DL_FLAG_MANAGED | DL_FLAG_AUTOPROBE_CONSUMER).
#@expect-trace hook:device_link=fentry
load reprobe_link
sleep 0.5
load reprobe_link_supplier
sleep 0.5
