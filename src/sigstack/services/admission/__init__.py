"""``sigstack serve admission``: the policy-controller-compatible admission webhook
(oci-and-policy.md §3.3): validate and mutate AdmissionReviews with every loaded engine."""
