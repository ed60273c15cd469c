import { registry } from "@web/core/registry";

// A customer reads the answer to a request, then asks another from a shipment page.
registry.category("web_tour.tours").add("logistics_portal_service_requests", {
    url: "/my",
    steps: () => [
        {
            content: "Open the service requests from the portal home",
            trigger: 'a[href="/my/service-requests"]',
            run: "click",
        },
        {
            content: "The team's answer is shown",
            trigger: ".o_logistics_service_request_answer:contains('Your POD copy is attached.')",
        },
        {
            content: "Open the shipment the request is about",
            trigger: "tr.o_logistics_service_request a:contains('SHP-')",
            run: "click",
        },
        {
            content: "Choose what is needed",
            trigger: ".o_logistics_service_request_form select[name='type']",
            run: "select special_handling",
        },
        {
            content: "Describe it",
            trigger: ".o_logistics_service_request_form textarea[name='description']",
            run: "edit The pallets must stay upright.",
        },
        {
            content: "Send the request",
            trigger: ".o_logistics_service_request_form button[type='submit']",
            run: "click",
        },
        {
            content: "The request is received and listed as new",
            trigger: ".o_logistics_service_request_created",
        },
        {
            content: "It is in the list",
            trigger: "tr.o_logistics_service_request:contains('The pallets must stay upright.')",
        },
    ],
});
