import { registry } from "@web/core/registry";

// A customer follows a delivery from the portal home to its proof of delivery.
registry.category("web_tour.tours").add("logistics_portal_shipments", {
    url: "/my",
    steps: () => [
        {
            content: "Open the shipments from the portal home",
            trigger: 'a[href="/my/shipments"]',
            run: "click",
        },
        {
            content: "Open the delivered shipment",
            trigger: "table a:contains('SHP-')",
            run: "click",
        },
        {
            content: "The status is shown",
            trigger: ".o_logistics_status:contains('Delivered')",
        },
        {
            content: "The timeline is in event order",
            trigger: ".o_logistics_timeline li:first-child:contains('Arrived at pickup')",
        },
        {
            content: "The proof of delivery can be downloaded",
            trigger: ".o_logistics_documents a:contains('POD-')",
        },
    ],
});
